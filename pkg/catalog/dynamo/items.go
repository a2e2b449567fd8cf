package dynamo

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/buylink/buylink/pkg/catalog"
)

// item is one DynamoDB item.
type item = map[string]types.AttributeValue

// Non-key attributes of the table's items.
const (
	attrKind    = "kind"      // record kind: seller, account, video, product, link, click
	attrVer     = "ver"       // version for optimistic concurrency (N)
	attrDoc     = "doc"       // the record as JSON, the same document the SQLite store keeps
	attrToken   = "tok"       // creation token of a seller and of its account claim
	attrHandle  = "handle"    // the seller an account claim is for
	attrState   = "state"     // account claim state: pending or active
	attrDeleted = "deleted"   // marks a product tombstone (BOOL)
	attrProduct = "productId" // a click's product
	attrAt      = "at"        // a click's time (Unix nanoseconds, N)
	attrRef     = "referrer"  // a click's referrer host
	attrPage    = "page"      // a view's page: a video id, or "" for the shop
)

// Record kinds (attrKind).
const (
	kindSeller     = "seller"
	kindAccount    = "account"
	kindVideo      = "video"
	kindProduct    = "product"
	kindLink       = "link"
	kindClick      = "click"
	kindView       = "view"
	kindSellerLink = "sellerlink"
)

// Sort keys of the records that are alone in their partition.
const (
	skSeller  = "SELLER"
	skAccount = "ACCOUNT"
	skVideo   = "VIDEO"
	skProduct = "PRODUCT"
	skLink    = "LINK"
)

// Partition keys of the base table.
func sellerPK(handle string) string { return "SELLER#" + handle }
func accountPK(sub string) string   { return "ACCOUNT#" + sub }
func videoPK(id string) string      { return "VIDEO#" + id }
func productPK(id string) string    { return "PRODUCT#" + id }

// eventPK is the partition of a click (kindClick) or view (kindView); its
// sort key is eventSK.
func eventPK(kind, id string) string { return eventSK(kind) + "#" + id }
func eventSK(kind string) string     { return strings.ToUpper(kind) }

// Sort keys of a product's index links (in the product's partition).
func videoLinkSK(videoID string) string { return "VIDEO#" + videoID }
func tagLinkSK(tag string) string       { return "TAG#" + tag }

// Index partition keys.
const allSellers = "SELLERS"

func sellerVideosPK(handle string) string           { return "SELLER#" + handle + "#VIDEOS" }
func videosByStatusPK(s catalog.VideoStatus) string { return "VIDEOS#" + string(s) }
func sellerProductsPK(handle string) string         { return "SELLER#" + handle + "#PRODUCTS" }
func productsByStatusPK(s catalog.ProductStatus) string {
	return "PRODUCTS#" + string(s)
}
func videoProductsPK(videoID string) string         { return "VIDEO#" + videoID + "#PRODUCTS" }
func tagProductsPK(tag string) string               { return "TAG#" + tag + "#PRODUCTS" }
func sellerTagProductsPK(handle, tag string) string { return "SELLER#" + handle + "#TAG#" + tag }
func sellerClicksPK(handle string) string           { return "SELLER#" + handle + "#CLICKS" }
func sellerViewsPK(handle string) string            { return "SELLER#" + handle + "#VIEWS" }

// timeKey encodes t as 20 decimal digits that sort like the times they
// encode, including times before 1970.
func timeKey(t time.Time) string {
	return fmt.Sprintf("%020d", uint64(t.UnixNano())^(1<<63))
}

// invTimeKey is timeKey sorting in reverse: newer times first.
func invTimeKey(t time.Time) string {
	return fmt.Sprintf("%020d", math.MaxUint64-(uint64(t.UnixNano())^(1<<63)))
}

// videoOrderKey sorts videos oldest posted first, then by id; listings read
// it backwards (newest first).
func videoOrderKey(v *catalog.Video) string { return timeKey(v.PostedAt) + "#" + v.ID }

// productOrderKey sorts products in listing order: pinned first, then by
// position, then newest source video first, then by id.
func productOrderKey(p *catalog.Product) string {
	pin := "1"
	if p.Pinned {
		pin = "0"
	}
	return fmt.Sprintf("%s#%019d#%s#%s", pin, p.Position, invTimeKey(p.VideoPostedAt), p.ID)
}

// clickKey orders a seller's clicks by time; the click id keeps keys unique.
func clickKey(at time.Time, id string) string { return timeKey(at) + "#" + id }

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func key(pk, sk string) item { return item{AttrPK: str(pk), AttrSK: str(sk)} }

// getS returns a string attribute, or "".
func getS(it item, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// getN returns a number attribute as an int64, or 0.
func getN(it item, name string) int64 {
	if v, ok := it[name].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

func getBool(it item, name string) bool {
	v, ok := it[name].(*types.AttributeValueMemberBOOL)
	return ok && v.Value
}

// docItem is the item of a record kept as a JSON document: its keys, kind,
// version and document, plus any index keys.
func docItem(pk, sk, kind string, ver int64, v any, extra map[string]string) (item, error) {
	doc, err := json.Marshal(v)
	if err != nil {
		return nil, catalog.Internal(err, "encode %s", kind)
	}
	it := item{AttrPK: str(pk), AttrSK: str(sk), attrKind: str(kind), attrVer: num(ver), attrDoc: str(string(doc))}
	for k, v := range extra {
		it[k] = str(v)
	}
	return it, checkSize(kind, it)
}

// decodeDoc decodes the JSON document of an item.
func decodeDoc[T any](it item, kind string) (T, error) {
	var v T
	if err := json.Unmarshal([]byte(getS(it, attrDoc)), &v); err != nil {
		return v, catalog.Internal(err, "decode stored %s %s", kind, getS(it, AttrPK))
	}
	return v, nil
}

// MaxItemBytes is DynamoDB's item size limit.
const MaxItemBytes = 400 << 10

// itemSize is an item's size as DynamoDB counts it: attribute names plus
// values (numbers take about one byte per two digits).
func itemSize(it item) int {
	n := 0
	for name, v := range it {
		n += len(name)
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			n += len(v.Value)
		case *types.AttributeValueMemberN:
			n += (len(strings.TrimLeft(v.Value, "-0"))+1)/2 + 1
		case *types.AttributeValueMemberBOOL:
			n++
		case *types.AttributeValueMemberB:
			n += len(v.Value)
		default:
			n += 3
		}
	}
	return n
}

// checkSize reports a record too large for one item as invalid.
func checkSize(kind string, it item) error {
	if n := itemSize(it); n > MaxItemBytes {
		return catalog.Invalid(kind, "is %d bytes stored, more than DynamoDB's item limit of %d bytes", n, MaxItemBytes)
	}
	return nil
}

// nextVersion returns the version a write of a record at version cur gets:
// greater than cur and, for a record written again after its deletion, greater
// than any version it had before (versions follow the clock).
func nextVersion(cur int64, now time.Time) int64 { return max(cur+1, now.UnixNano()) }
