package dynamo

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/internal/testservers"
)

// fakeDynamo answers DynamoDB's JSON protocol with canned responses per
// operation (the X-Amz-Target suffix), in order, repeating the last one.
type fakeDynamo struct {
	mu     sync.Mutex
	resp   map[string][]fakeResponse
	calls  map[string]int
	bodies map[string][]string
}

type fakeResponse struct {
	status int
	body   string
}

func (f *fakeDynamo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	rs := f.resp[op]
	n := f.calls[op]
	f.calls[op]++
	f.bodies[op] = append(f.bodies[op], string(body))
	f.mu.Unlock()
	if len(rs) == 0 {
		http.Error(w, `{"__type":"com.amazon.coral.service#UnknownOperationException"}`, http.StatusBadRequest)
		return
	}
	res := rs[min(n, len(rs)-1)]
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(res.body))), 10))
	w.WriteHeader(res.status)
	_, _ = io.WriteString(w, res.body)
}

func (f *fakeDynamo) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// fakeStore opens a store on a fake endpoint, by default without SDK
// retries; params replace the default query parameters.
func fakeStore(t *testing.T, resp map[string][]fakeResponse, params ...string) (*Store, *fakeDynamo) {
	t.Helper()
	testservers.UseEmulators(t)
	query := "max_attempts=1" // each canned answer is seen once
	if len(params) > 0 {
		query = strings.Join(params, "&")
	}
	f := &fakeDynamo{resp: resp, calls: map[string]int{}, bodies: map[string][]string{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	st, err := Open(t.Context(), "dynamodb://fake-table?region=eu-west-1&endpoint="+srv.URL+"&"+query)
	if err != nil {
		t.Fatal(err)
	}
	return st, f
}

func apiError(typ, msg string) fakeResponse {
	return fakeResponse{http.StatusBadRequest, fmt.Sprintf(`{"__type":"com.amazonaws.dynamodb.v20120810#%s","message":%q}`, typ, msg)}
}

func TestErrorMapping(t *testing.T) {
	cases := []struct {
		name string
		resp fakeResponse
		want catalog.Code
	}{
		{"throttled", apiError("ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded."), catalog.CodeUnavailable},
		{"request limit", apiError("RequestLimitExceeded", "Throughput exceeds the current throughput limit for your account."), catalog.CodeUnavailable},
		{"throttling", apiError("ThrottlingException", "Rate of requests exceeds the allowed throughput."), catalog.CodeUnavailable},
		{"server error", fakeResponse{http.StatusInternalServerError, `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`}, catalog.CodeUnavailable},
		{"item too large", apiError("ValidationException", "Item size has exceeded the maximum allowed size"), catalog.CodeInvalid},
		{"no table", apiError("ResourceNotFoundException", "Requested resource not found"), catalog.CodeInternal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, _ := fakeStore(t, map[string][]fakeResponse{"PutItem": {c.resp}, "GetItem": {c.resp}})
			err := st.RecordClick(t.Context(), catalog.Click{ProductID: "p1", Seller: "shop", At: time.Now()})
			if got := catalog.CodeOf(err); got != c.want {
				t.Fatalf("put: want %s, got %s (%v)", c.want, got, err)
			}
			_, err = st.GetProduct(t.Context(), "p1")
			if got := catalog.CodeOf(err); got != c.want {
				t.Fatalf("get: want %s, got %s (%v)", c.want, got, err)
			}
		})
	}
}

func TestUnreachableIsUnavailable(t *testing.T) {
	testservers.UseEmulators(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	st, err := Open(t.Context(), "dynamodb://gone?region=eu-west-1&max_attempts=1&endpoint=http://"+addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetVideo(t.Context(), "1"); !catalog.IsCode(err, catalog.CodeUnavailable) {
		t.Fatalf("connection refused: want unavailable, got %v", err)
	}
	if err := st.Ping(t.Context()); !catalog.IsCode(err, catalog.CodeUnavailable) {
		t.Fatalf("ping: want unavailable, got %v", err)
	}
}

func TestVideoOfAnotherSellerIsConflict(t *testing.T) {
	v := catalog.Video{ID: "1", Seller: "thief", PageURL: "https://www.tiktok.com/@x/video/1", Status: catalog.VideoQueued}
	doc, _ := json.Marshal(catalog.Video{ID: "1", Seller: "owner", PageURL: v.PageURL, Status: catalog.VideoQueued})
	stored, _ := json.Marshal(map[string]map[string]string{"pk": {"S": "VIDEO#1"}, "sk": {"S": "VIDEO"}, "ver": {"N": "1"}, "doc": {"S": string(doc)}})
	st, f := fakeStore(t, map[string][]fakeResponse{
		"PutItem": {apiError("ConditionalCheckFailedException", "The conditional request failed")},
		"GetItem": {{200, `{"Item":` + string(stored) + `}`}},
	})
	_, _, err := st.UpsertVideo(t.Context(), v)
	if !catalog.IsCode(err, catalog.CodeConflict) {
		t.Fatalf("want conflict, got %v", err)
	}
	if put := f.bodies["PutItem"][0]; !strings.Contains(put, `"ConditionExpression":"attribute_not_exists(pk)"`) {
		t.Fatalf("the create must be conditional: %s", put)
	}
}

func TestMaxAttemptsParameter(t *testing.T) {
	testservers.UseEmulators(t)
	for _, bad := range []string{"0", "21", "x"} {
		if _, err := Open(t.Context(), "dynamodb://table?region=eu-west-1&max_attempts="+bad); err == nil || !strings.Contains(err.Error(), "max_attempts") {
			t.Errorf("max_attempts=%s: %v", bad, err)
		}
	}
	st, f := fakeStore(t, map[string][]fakeResponse{"GetItem": {apiError("ThrottlingException", "slow down")}}, "max_attempts=3")
	if _, err := st.GetVideo(t.Context(), "1"); !catalog.IsCode(err, catalog.CodeUnavailable) {
		t.Fatalf("throttled read: %v", err)
	}
	if n := f.count("GetItem"); n != 3 {
		t.Fatalf("attempts: %d, want 3", n)
	}
}

// productJSON is the DynamoDB JSON of a product item.
func productJSON(t *testing.T, id string) string {
	t.Helper()
	p := catalog.Product{ID: id, Seller: "shop", VideoIDs: []string{"100"}, Title: "Mug", Status: catalog.ProductPublished, Source: catalog.ProductFromRules}
	doc, _ := json.Marshal(p)
	b, _ := json.Marshal(map[string]map[string]string{
		"pk": {"S": productPK(id)}, "sk": {"S": skProduct}, "kind": {"S": kindProduct}, "ver": {"N": "1"}, "doc": {"S": string(doc)},
	})
	return string(b)
}

func TestBatchGetRetriesUnprocessedKeys(t *testing.T) {
	link := `{"pk":{"S":"PRODUCT#p1"},"sk":{"S":"VIDEO#100"},"gsi1pk":{"S":"VIDEO#100#PRODUCTS"},"gsi1sk":{"S":"1#0#x#p1"}}`
	unprocessed := `{"Responses":{"fake-table":[]},"UnprocessedKeys":{"fake-table":{"Keys":[{"pk":{"S":"PRODUCT#p1"},"sk":{"S":"PRODUCT"}}],"ConsistentRead":true}}}`
	st, f := fakeStore(t, map[string][]fakeResponse{
		"Query": {{200, `{"Items":[` + link + `],"Count":1}`}},
		"BatchGetItem": {
			{200, unprocessed}, {200, unprocessed},
			{200, `{"Responses":{"fake-table":[` + productJSON(t, "p1") + `]},"UnprocessedKeys":{}}`},
		},
	})
	items, next, err := st.ListProducts(t.Context(), catalog.ProductQuery{VideoID: "100"}, catalog.Page{})
	if err != nil || next != "" || len(items) != 1 || items[0].ID != "p1" {
		t.Fatalf("listing: %+v next=%q err=%v", items, next, err)
	}
	if n := f.count("BatchGetItem"); n != 3 {
		t.Fatalf("BatchGetItem calls: %d, want 3 (two with unprocessed keys)", n)
	}
	for _, body := range f.bodies["BatchGetItem"] {
		if !strings.Contains(body, `"ConsistentRead":true`) {
			t.Fatalf("batch reads must be strongly consistent: %s", body)
		}
	}
}

func TestBatchGetGivesUpWhenThrottledForGood(t *testing.T) {
	link := `{"pk":{"S":"PRODUCT#p1"},"sk":{"S":"VIDEO#100"},"gsi1pk":{"S":"VIDEO#100#PRODUCTS"},"gsi1sk":{"S":"1#0#x#p1"}}`
	st, f := fakeStore(t, map[string][]fakeResponse{
		"Query":        {{200, `{"Items":[` + link + `],"Count":1}`}},
		"BatchGetItem": {{200, `{"Responses":{},"UnprocessedKeys":{"fake-table":{"Keys":[{"pk":{"S":"PRODUCT#p1"},"sk":{"S":"PRODUCT"}}]}}}`}},
	})
	_, _, err := st.ListProducts(t.Context(), catalog.ProductQuery{VideoID: "100"}, catalog.Page{})
	if !catalog.IsCode(err, catalog.CodeUnavailable) {
		t.Fatalf("want unavailable, got %v", err)
	}
	if n := f.count("BatchGetItem"); n != maxBatchRetries+1 {
		t.Fatalf("BatchGetItem calls: %d, want %d", n, maxBatchRetries+1)
	}
}
