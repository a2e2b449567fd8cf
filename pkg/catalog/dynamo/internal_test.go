package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/catalogtest"
	"github.com/buylink/buylink/pkg/internal/testservers"
)

// These tests put the store in the states a crash or a slow writer leaves
// behind, by writing items directly, and check that the store recovers.

var seq atomic.Int64

func openTable(t *testing.T, endpoint string) *Store {
	t.Helper()
	st, err := Open(t.Context(), fmt.Sprintf("dynamodb://internal-%d?region=%s&endpoint=%s", seq.Add(1), testservers.Region, endpoint))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateTable(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestRecovery(t *testing.T) {
	testservers.UseEmulators(t)
	endpoint := testservers.Dynalite(t)
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, *Store)
	}{
		{"InterruptedSellerCreationIsCompleted", testInterruptedSellerCreation},
		{"ClaimOnTakenHandleIsWithdrawn", testClaimOnTakenHandle},
		{"UnactivatedClaimCounts", testUnactivatedClaim},
		{"ProductLinksFollowTheProduct", testProductLinks},
		{"StaleLinkWritesLose", testStaleLinkWrites},
		{"DeletedProductAndRecreation", testDeleteRecreate},
		{"OversizedRecordIsInvalid", testOversized},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, openTable(t, endpoint)) })
	}
}

func seller(handle, sub string) catalog.Seller {
	return catalog.Seller{Handle: handle, Sub: sub, DisplayName: "Seller " + handle}
}

// pendingClaim writes the claim step 1 of CreateSeller leaves.
func pendingClaim(t *testing.T, st *Store, sl catalog.Seller, token string) {
	t.Helper()
	sl.CreatedAt, sl.UpdatedAt = time.Now().UTC(), time.Now().UTC()
	it, err := sellerItem(&sl, token, 1)
	if err != nil {
		t.Fatal(err)
	}
	c := claim{sub: sl.Sub, handle: sl.Handle, token: token, state: claimPending, doc: getS(it, attrDoc)}
	if err := st.put(t.Context(), claimItem(c), ifAbsent, "test"); err != nil {
		t.Fatal(err)
	}
}

func testInterruptedSellerCreation(t *testing.T, st *Store) {
	ctx := t.Context()
	pendingClaim(t, st, seller("first.try", "acct-1"), "tok-1")
	if _, err := st.GetSellerBySub(ctx, "acct-1"); !catalog.IsCode(err, catalog.CodeNotFound) {
		t.Fatalf("a claim without its seller must not count: %v", err)
	}
	_, err := st.CreateSeller(ctx, seller("second.try", "acct-1"))
	if !catalog.IsCode(err, catalog.CodeConflict) || !strings.Contains(err.Error(), "first.try") {
		t.Fatalf("the interrupted creation must be completed first: %v", err)
	}
	got, err := st.GetSellerBySub(ctx, "acct-1")
	if err != nil || got.Handle != "first.try" {
		t.Fatalf("account's seller: %+v, %v", got, err)
	}
	if _, err := st.GetSeller(ctx, "second.try"); !catalog.IsCode(err, catalog.CodeNotFound) {
		t.Fatalf("second handle must not exist: %v", err)
	}
	c, err := st.getClaim(ctx, "acct-1")
	if err != nil || c.state != claimActive {
		t.Fatalf("claim not activated: %+v %v", c, err)
	}
}

func testClaimOnTakenHandle(t *testing.T, st *Store) {
	ctx := t.Context()
	if _, err := st.CreateSeller(ctx, seller("popular", "acct-a")); err != nil {
		t.Fatal(err)
	}
	// acct-b crashed after claiming "popular", which acct-a owns.
	pendingClaim(t, st, seller("popular", "acct-b"), "tok-b")
	if _, err := st.GetSellerBySub(ctx, "acct-b"); !catalog.IsCode(err, catalog.CodeNotFound) {
		t.Fatalf("acct-b owns nothing: %v", err)
	}
	created, err := st.CreateSeller(ctx, seller("b.shop", "acct-b"))
	if err != nil {
		t.Fatalf("the dead claim must be withdrawn: %v", err)
	}
	if got, err := st.GetSellerBySub(ctx, "acct-b"); err != nil || got.Handle != created.Handle {
		t.Fatalf("acct-b's seller: %+v %v", got, err)
	}
	if got, _ := st.GetSeller(ctx, "popular"); got.Sub != "acct-a" {
		t.Fatalf("popular changed owner: %+v", got)
	}
}

func testUnactivatedClaim(t *testing.T, st *Store) {
	ctx := t.Context()
	sl := seller("almost", "acct-c")
	pendingClaim(t, st, sl, "tok-c")
	// Step 2 happened, step 3 did not.
	sl.CreatedAt, sl.UpdatedAt = time.Now().UTC(), time.Now().UTC()
	it, _ := sellerItem(&sl, "tok-c", 1)
	if err := st.put(ctx, it, ifAbsent, "test"); err != nil {
		t.Fatal(err)
	}
	if got, err := st.GetSellerBySub(ctx, "acct-c"); err != nil || got.Handle != "almost" {
		t.Fatalf("a created seller counts before its claim is activated: %+v %v", got, err)
	}
	if _, err := st.CreateSeller(ctx, seller("other", "acct-c")); !catalog.IsCode(err, catalog.CodeConflict) {
		t.Fatalf("the account owns a seller already: %v", err)
	}
}

func product(id, sellerHandle string, videos []string, tags ...string) func(*catalog.Product, bool) error {
	return func(p *catalog.Product, _ bool) error {
		p.Seller, p.VideoIDs, p.Title = sellerHandle, videos, "Product "+id
		p.Status, p.Source, p.VideoPostedAt = catalog.ProductPublished, catalog.ProductFromRules, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		p.Tags = nil
		for _, tg := range tags {
			p.Tags = append(p.Tags, catalog.Tag{Name: tg, Confidence: 0.5})
		}
		return nil
	}
}

func listIDs(t *testing.T, st *Store, q catalog.ProductQuery) []string {
	t.Helper()
	items, _, err := st.ListProducts(t.Context(), q, catalog.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range items {
		ids = append(ids, p.ID)
	}
	return ids
}

// linkKeys lists the sort keys of a product's partition.
func linkKeys(t *testing.T, st *Store, id string) []string {
	t.Helper()
	out, err := st.db.Query(t.Context(), &dynamodb.QueryInput{
		TableName: &st.table, KeyConditionExpression: aws.String("pk = :pk"),
		ExpressionAttributeValues: item{":pk": str(productPK(id))}, ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	var sks []string
	for _, it := range out.Items {
		sks = append(sks, getS(it, AttrSK))
	}
	slices.Sort(sks)
	return sks
}

func testProductLinks(t *testing.T, st *Store) {
	ctx := t.Context()
	if _, err := st.UpsertProduct(ctx, "p1", product("p1", "shop", []string{"100"}, "mug", "kitchen")); err != nil {
		t.Fatal(err)
	}
	if got := linkKeys(t, st, "p1"); fmt.Sprint(got) != "[PRODUCT TAG#kitchen TAG#mug VIDEO#100]" {
		t.Fatalf("partition: %v", got)
	}
	// Moved to another video and re-tagged: the old links go.
	if _, err := st.UpsertProduct(ctx, "p1", product("p1", "shop", []string{"200", "300"}, "cup")); err != nil {
		t.Fatal(err)
	}
	if got := linkKeys(t, st, "p1"); fmt.Sprint(got) != "[PRODUCT TAG#cup VIDEO#200 VIDEO#300]" {
		t.Fatalf("partition after the move: %v", got)
	}
	for q, want := range map[*catalog.ProductQuery]string{
		{VideoID: "100"}:               "[]",
		{VideoID: "300"}:               "[p1]",
		{Tag: "mug"}:                   "[]",
		{Tag: "cup"}:                   "[p1]",
		{Seller: "shop", Tag: "cup"}:   "[p1]",
		{Seller: "other", Tag: "cup"}:  "[]",
		{Seller: "shop", Tag: "mug"}:   "[]",
		{VideoID: "200", Tag: "cup"}:   "[p1]",
		{VideoID: "200", Seller: "xx"}: "[]",
	} {
		if got := fmt.Sprint(listIDs(t, st, *q)); got != want {
			t.Errorf("%+v: got %s want %s", *q, got, want)
		}
	}
	// A link a crashed writer left behind leads nowhere wrong and is removed
	// by the next write.
	orphan := productLinks(&catalog.Product{ID: "p1", Seller: "shop", VideoIDs: []string{"999"}}, 1)[videoLinkSK("999")]
	if err := st.put(ctx, orphan, cond{}, "test"); err != nil {
		t.Fatal(err)
	}
	if got := listIDs(t, st, catalog.ProductQuery{VideoID: "999"}); len(got) != 0 {
		t.Fatalf("an orphan link must not list the product: %v", got)
	}
	if _, err := st.UpsertProduct(ctx, "p1", func(p *catalog.Product, _ bool) error { p.Position = 2; return nil }); err != nil {
		t.Fatal(err)
	}
	if got := linkKeys(t, st, "p1"); slices.Contains(got, videoLinkSK("999")) {
		t.Fatalf("orphan link not removed: %v", got)
	}
}

func testStaleLinkWrites(t *testing.T, st *Store) {
	ctx := t.Context()
	p, err := st.UpsertProduct(ctx, "p2", product("p2", "shop", []string{"100"}, "lamp"))
	if err != nil {
		t.Fatal(err)
	}
	it, _ := st.get(ctx, productPK("p2"), skProduct, "test")
	ver := getN(it, attrVer)
	// A slower writer of an older version arrives late: it must neither
	// delete the current links nor overwrite them.
	old := p
	old.Tags = nil
	old.Position = 7
	if err := st.syncLinks(ctx, "p2", productLinks(&old, ver-1), ver-1); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(linkKeys(t, st, "p2")); got != "[PRODUCT TAG#lamp VIDEO#100]" {
		t.Fatalf("an older version changed the links: %s", got)
	}
	link, _ := st.get(ctx, productPK("p2"), videoLinkSK("100"), "test")
	if getN(link, attrVer) != ver || getS(link, AttrGSI1SK) != productOrderKey(&p) {
		t.Fatalf("an older version overwrote a link: %v", link)
	}
}

func testDeleteRecreate(t *testing.T, st *Store) {
	ctx := t.Context()
	if _, err := st.UpsertProduct(ctx, "p3", product("p3", "shop", []string{"100"}, "vase")); err != nil {
		t.Fatal(err)
	}
	deletedAt := time.Now()
	if err := st.DeleteProduct(ctx, "p3"); err != nil {
		t.Fatal(err)
	}
	tomb, _ := st.get(ctx, productPK("p3"), skProduct, "test")
	if !getBool(tomb, attrDeleted) || getN(tomb, AttrTTL) <= time.Now().Unix() {
		t.Fatalf("tombstone: %v", tomb)
	}
	if got := fmt.Sprint(linkKeys(t, st, "p3")); got != "[PRODUCT]" {
		t.Fatalf("links after delete: %s", got)
	}
	var sawExists bool
	created, err := st.UpsertProduct(ctx, "p3", func(p *catalog.Product, exists bool) error {
		sawExists = exists
		return product("p3", "shop", []string{"200"})(p, exists)
	})
	if err != nil || sawExists {
		t.Fatalf("re-create after delete: exists=%v err=%v", sawExists, err)
	}
	if got := listIDs(t, st, catalog.ProductQuery{VideoID: "200"}); fmt.Sprint(got) != "[p3]" {
		t.Fatalf("re-created product not listed: %v", got)
	}
	if created.CreatedAt.Before(deletedAt) {
		t.Fatalf("re-created product kept the old creation time %v", created.CreatedAt)
	}
}

func testOversized(t *testing.T, st *Store) {
	ids := make([]string, 20000)
	for i := range ids {
		ids[i] = fmt.Sprintf("%019d", i)
	}
	_, err := st.UpsertProduct(t.Context(), "big", product("big", "shop", ids))
	var de *catalog.Error
	if !errors.As(err, &de) || de.Code != catalog.CodeInvalid || de.Field != "product" {
		t.Fatalf("an item over 400 KB: want invalid product, got %v", err)
	}
	if _, err := st.GetProduct(t.Context(), "big"); !catalog.IsCode(err, catalog.CodeNotFound) {
		t.Fatalf("nothing may be stored: %v", err)
	}
}

// TestOrderKeys checks that the key encodings sort exactly like the
// listings' orders, including times before 1970 and ties.
func TestOrderKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	times := []time.Time{time.Unix(0, 0), time.Unix(-1, 0), time.Unix(0, 1), time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)}
	var ps []catalog.Product
	for range 400 {
		ps = append(ps, catalog.Product{
			ID: fmt.Sprintf("p%d", r.IntN(50)) + strings.Repeat("x", r.IntN(3)), Pinned: r.IntN(4) == 0,
			Position: r.IntN(3) * (1 + r.IntN(1<<40)), VideoPostedAt: times[r.IntN(len(times))].Add(time.Duration(r.IntN(3)) * time.Hour),
		})
	}
	byKey := slices.Clone(ps)
	slices.SortStableFunc(byKey, func(a, b catalog.Product) int { return strings.Compare(productOrderKey(&a), productOrderKey(&b)) })
	byRule := slices.Clone(ps)
	slices.SortStableFunc(byRule, func(a, b catalog.Product) int {
		switch {
		case a.Pinned != b.Pinned:
			if a.Pinned {
				return -1
			}
			return 1
		case a.Position != b.Position:
			return a.Position - b.Position
		case !a.VideoPostedAt.Equal(b.VideoPostedAt):
			return b.VideoPostedAt.Compare(a.VideoPostedAt)
		}
		return strings.Compare(a.ID, b.ID)
	})
	for i := range ps {
		if productOrderKey(&byKey[i]) != productOrderKey(&byRule[i]) {
			t.Fatalf("product order differs at %d: key order %+v, rule order %+v", i, byKey[i], byRule[i])
		}
	}
	for i := 1; i < len(times); i++ {
		a, b := times[i-1], times[i]
		if (timeKey(a) < timeKey(b)) != a.Before(b) || (invTimeKey(a) < invTimeKey(b)) != b.Before(a) {
			t.Fatalf("time keys of %v and %v sort wrongly", a, b)
		}
	}
	v1 := catalog.Video{ID: "10", PostedAt: times[0]}
	v2 := catalog.Video{ID: "100", PostedAt: times[0]}
	v3 := catalog.Video{ID: "9", PostedAt: times[2]}
	if videoOrderKey(&v1) >= videoOrderKey(&v2) || videoOrderKey(&v2) >= videoOrderKey(&v3) {
		t.Fatal("video keys must sort by posted time, then id as text")
	}
}

// TestStoreRoundTrip checks that what the store returns equals what it was
// given, field for field, through the JSON document.
func TestStoreRoundTrip(t *testing.T) {
	testservers.UseEmulators(t)
	st := openTable(t, testservers.Dynalite(t))
	ctx := context.Background()
	v := catalogtest.Video("123456", "shop", time.Date(1969, 12, 31, 23, 0, 0, 5, time.UTC))
	v.ImageURLs = []string{"https://cdn.example.com/1.jpg"}
	v.Steps = map[string]string{"caption": "done"}
	stored, created, err := st.UpsertVideo(ctx, v)
	if err != nil || !created {
		t.Fatal(err)
	}
	got, err := st.GetVideo(ctx, v.ID)
	if err != nil || fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", stored) {
		t.Fatalf("video round trip:\n got %+v\nwant %+v (%v)", got, stored, err)
	}
	items, _, err := st.ListVideos(ctx, catalog.VideoQuery{Seller: "shop"}, catalog.Page{})
	if err != nil || len(items) != 1 || fmt.Sprintf("%+v", items[0]) != fmt.Sprintf("%+v", stored) {
		t.Fatalf("listed video: %+v (%v)", items, err)
	}
}
