package storefront_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Load test parameters and targets (see the package README).
const (
	wrkConnections = 64
	wrkThreads     = 2
	wrkDuration    = 5 * time.Second
	targetRatio    = 0.8                   // storefront requests/s over nginx's for the same bytes
	targetP99      = 10 * time.Millisecond // storefront p99 latency
	benchProducts  = 200
	// Filtered pages (a tag, a category) against the unfiltered page.
	targetFilteredRatio = 0.5
	// The random-query load: its length, and the RSS growth allowed between
	// its first and last quarter ("flat").
	randomLoad         = 60 * time.Second
	targetRSSGrowthPct = 10
)

// wrkResult is what one wrk run measured.
type wrkResult struct {
	rps  float64
	p99  time.Duration
	errs string
}

var (
	rpsRE     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	p99RE     = regexp.MustCompile(`\n\s+99%\s+([0-9.]+)(us|ms|s)\b`)
	non2xxRE  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	socketErr = regexp.MustCompile(`Socket errors: [^\n]+`)
)

// runWrk loads url for wrkDuration and parses wrk's report.
func runWrk(b *testing.B, url string) wrkResult {
	b.Helper()
	return runWrkFor(b, url, wrkDuration)
}

// runWrkFor loads url for d and parses wrk's report; more are wrk's
// further arguments (a script).
func runWrkFor(b *testing.B, url string, d time.Duration, more ...string) wrkResult {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer cancel()
	args := append([]string{"-t" + strconv.Itoa(wrkThreads), "-c" + strconv.Itoa(wrkConnections),
		"-d" + strconv.Itoa(int(d.Seconds())) + "s", "--latency"}, more...)
	out, err := exec.CommandContext(ctx, "wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		b.Fatalf("wrk %s: %v\n%s", url, err, out)
	}
	s := string(out)
	m, p := rpsRE.FindStringSubmatch(s), p99RE.FindStringSubmatch(s)
	if m == nil || p == nil {
		b.Fatalf("cannot read wrk's report:\n%s", s)
	}
	var res wrkResult
	res.rps, _ = strconv.ParseFloat(m[1], 64)
	v, _ := strconv.ParseFloat(p[1], 64)
	unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[p[2]]
	res.p99 = time.Duration(v * float64(unit))
	if e := non2xxRE.FindStringSubmatch(s); e != nil {
		b.Fatalf("wrk got %s non-2xx answers from %s", e[1], url)
	}
	if e := socketErr.FindString(s); e != "" {
		res.errs = e
	}
	return res
}

// startNginx serves dir's files on a free loopback port and returns its base URL.
func startNginx(b *testing.B, dir string, types map[string]string) string {
	b.Helper()
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/nginx"); serr != nil {
			b.Fatalf("the benchmark needs nginx (apt-get install nginx; scripts/deps.sh installs it): %v", err)
		}
		nginx = "/usr/sbin/nginx"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	var locations strings.Builder
	for path, ct := range types {
		fmt.Fprintf(&locations, "    location = %s { default_type %q; }\n", path, ct)
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;"
	}
	conf := fmt.Sprintf(`%s
worker_processes 2;
daemon off;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    client_body_temp_path %[2]s/tmp;
    proxy_temp_path %[2]s/tmp;
    fastcgi_temp_path %[2]s/tmp;
    uwsgi_temp_path %[2]s/tmp;
    scgi_temp_path %[2]s/tmp;
    server {
        listen %[3]s;
        root %[2]s/www;
%[4]s    }
}
`, user, dir, addr, locations.String())
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		b.Fatal(err)
	}
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(nginx, "-p", dir, "-c", confPath)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatalf("start nginx: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/")
		if err == nil {
			_ = resp.Body.Close()
			return base
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			b.Fatalf("nginx exited: %v\n%s", err, log)
		default:
		}
		if time.Now().After(deadline) {
			b.Fatalf("nginx does not answer on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startBareGo serves the same files from a plain net/http handler, the
// ceiling any Go server reaches on this machine: the report shows it next to
// nginx to tell the runtime's share of the gap from the storefront's.
func startBareGo(b *testing.B, dir string, types map[string]string) string {
	b.Helper()
	files := map[string][]byte{}
	for path := range types {
		body, err := os.ReadFile(filepath.Join(dir, "www", filepath.FromSlash(path)))
		if err != nil {
			b.Fatal(err)
		}
		files[path] = body
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", types[r.URL.Path])
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

// BenchmarkStorefrontVsNginx loads the demo shop page and shop API (200
// products) with wrk, and nginx serving the same bytes as static files, in
// the same run, and reports requests/s ratios and p99 latencies.
func BenchmarkStorefrontVsNginx(b *testing.B) {
	requireWrk(b)
	r := newRig(b, time.Time{})
	r.seedFixtureShop("demo", benchProducts)
	dir := b.TempDir()
	types := map[string]string{"/s/demo": "text/html; charset=utf-8", "/api/shops/demo": "application/json; charset=utf-8"}
	for path := range types {
		resp, body := r.get(path)
		wantStatus(b, resp, body, 200)
		file := filepath.Join(dir, "www", filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(file, body, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	nginx := startNginx(b, dir, types)
	bare := startBareGo(b, dir, types)
	for path := range types {
		if resp, err := http.Get(nginx + path); err != nil || resp.StatusCode != 200 {
			b.Fatalf("nginx %s: %v %v", path, resp, err)
		}
	}
	b.ResetTimer()
	var report strings.Builder
	fmt.Fprintf(&report, "\nwrk -t%d -c%d -d%s, %d products, same bytes from nginx (static) and the storefront:\n",
		wrkThreads, wrkConnections, wrkDuration, benchProducts)
	fmt.Fprintf(&report, "%-16s %12s %9s %9s %10s %7s %9s %7s  %s\n",
		"path", "storefront/s", "p99", "nginx/s", "nginx p99", "ratio", "net/http/s", "ratio", "targets")
	for _, path := range []string{"/s/demo", "/api/shops/demo"} {
		sf := runWrk(b, r.base+path)
		ng := runWrk(b, nginx+path)
		bg := runWrk(b, bare+path)
		ratio := sf.rps / ng.rps
		verdict := "met"
		if ratio < targetRatio || sf.p99 > targetP99 {
			verdict = fmt.Sprintf("MISSED (want ratio >= %.1f, p99 <= %s)", targetRatio, targetP99)
		}
		fmt.Fprintf(&report, "%-16s %12.0f %9s %9.0f %10s %7.2f %9.0f %7.2f  %s %s %s\n",
			path, sf.rps, sf.p99.Round(10*time.Microsecond), ng.rps, ng.p99.Round(10*time.Microsecond), ratio, bg.rps, bg.rps/ng.rps, verdict, sf.errs, ng.errs)
		name := strings.NewReplacer("/", "_", ".", "").Replace(strings.Trim(path, "/"))
		b.ReportMetric(ratio, "ratio_"+name)
		b.ReportMetric(float64(sf.p99.Microseconds())/1000, "p99ms_"+name)
		b.ReportMetric(sf.rps, "rps_"+name)
	}
	b.StopTimer()
	fmt.Print(report.String())
}

// BenchmarkShopPageRender measures a cache miss: listing 48 products, the
// shop's tags over 200 products and rendering the page.
func BenchmarkShopPageRender(b *testing.B) {
	r := newRig(b, time.Time{})
	r.seedFixtureShop("demo", benchProducts)
	b.ReportAllocs()
	for b.Loop() {
		r.srv.Invalidate()
		resp, body := r.get("/s/demo")
		if resp.StatusCode != 200 || len(body) == 0 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// BenchmarkFilteredShopPages loads shop pages filtered by a tag and by a
// category the shop has (cut from the shop's snapshot, cached apart) next to
// the unfiltered page in the same run, and reports their ratios.
func BenchmarkFilteredShopPages(b *testing.B) {
	requireWrk(b)
	r := newRig(b, time.Time{})
	r.seedFixtureShop("demo", benchProducts)
	_, body := r.get("/s/demo")
	cat := regexp.MustCompile(`href="/s/demo\?category=([^"]+)"`).FindSubmatch(body)
	tag := regexp.MustCompile(`href="/s/demo\?tag=([^"&]+)"`).FindSubmatch(body)
	if cat == nil {
		b.Fatal("the shop page links no category")
	}
	paths := []string{"/s/demo", "/s/demo?category=" + string(cat[1])}
	if tag != nil {
		paths = append(paths, "/s/demo?tag="+string(tag[1]))
	} else {
		paths = append(paths, "/s/demo?tag="+url.QueryEscape(strings.ToLower(strings.Fields(fixtureProducts(b)[0].Title)[0])))
	}
	for _, p := range paths {
		resp, body := r.get(p)
		wantStatus(b, resp, body, 200)
	}
	b.ResetTimer()
	base := runWrk(b, r.base+paths[0])
	fmt.Printf("\nwrk -t%d -c%d -d%s, %d products: filtered shop pages against the unfiltered one (%.0f/s, p99 %s):\n",
		wrkThreads, wrkConnections, wrkDuration, benchProducts, base.rps, base.p99.Round(10*time.Microsecond))
	for _, p := range paths[1:] {
		res := runWrk(b, r.base+p)
		ratio := res.rps / base.rps
		verdict := "met"
		if ratio < targetFilteredRatio {
			verdict = fmt.Sprintf("MISSED (want >= %.1f)", targetFilteredRatio)
		}
		fmt.Printf("%-40s %9.0f/s  p99 %9s  ratio %.2f  %s\n", p, res.rps, res.p99.Round(10*time.Microsecond), ratio, verdict)
		b.ReportMetric(ratio, "ratio_"+strings.SplitN(strings.TrimPrefix(p, "/s/demo?"), "=", 2)[0])
	}
}

// randomQueries is a wrk script asking for shop pages and product lists
// with a fresh search text, tag or unknown parameter each time.
const randomQueries = `
local n = 0
request = function()
  n = n + 1
  local v = tostring(math.random(1, 1000000000)) .. "x" .. n
  local k = n % 4
  if k == 0 then return wrk.format(nil, "/s/demo?q=" .. v) end
  if k == 1 then return wrk.format(nil, "/s/demo?tag=t" .. v) end
  if k == 2 then return wrk.format(nil, "/api/products?seller=demo&q=" .. v) end
  return wrk.format(nil, "/s/demo?utm_source=" .. v)
end
`

// BenchmarkRandomQueryRSS loads the storefront with random query strings
// for randomLoad and reports the process's resident memory at the end of
// its first and last quarter: bounded caches keep it flat.
func BenchmarkRandomQueryRSS(b *testing.B) {
	requireWrk(b)
	r := newRig(b, time.Time{})
	r.seedFixtureShop("demo", benchProducts)
	script := filepath.Join(b.TempDir(), "random.lua")
	if err := os.WriteFile(script, []byte(randomQueries), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	quarter := randomLoad / 4
	samples := make(chan int64, 2)
	go func() {
		time.Sleep(quarter)
		samples <- rssKiB(b)
		time.Sleep(randomLoad - quarter - time.Second)
		samples <- rssKiB(b)
	}()
	res := runWrkFor(b, r.base+"/s/demo", randomLoad, "-s", script)
	first, last := <-samples, <-samples
	growth := 100 * float64(last-first) / float64(first)
	verdict := "met"
	if growth > targetRSSGrowthPct {
		verdict = fmt.Sprintf("MISSED (want <= %d%%)", targetRSSGrowthPct)
	}
	fmt.Printf("\nwrk -t%d -c%d -d%s random query strings: %.0f/s, p99 %s; RSS %d MiB after %s, %d MiB at the end: %+.1f%% %s\n",
		wrkThreads, wrkConnections, randomLoad, res.rps, res.p99.Round(10*time.Microsecond), first/1024, quarter, last/1024, growth, verdict)
	b.ReportMetric(growth, "rss_growth_pct")
	b.ReportMetric(float64(last)/1024, "rss_MiB")
}

// rssKiB is this process's resident set size (the storefront runs in it).
func rssKiB(b *testing.B) int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Error(err)
		return 0
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(status)
	if m == nil {
		b.Error("no VmRSS in /proc/self/status")
		return 0
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

func requireWrk(b *testing.B) {
	b.Helper()
	if _, err := exec.LookPath("wrk"); err != nil {
		b.Fatalf("the benchmark needs wrk (apt-get install wrk; scripts/deps.sh installs it): %v", err)
	}
}
