// Package dynamo is the DynamoDB catalog store: every record of buylink in one
// table (single-table design), on aws-sdk-go-v2. It passes the same
// conformance suite (catalogtest) as the SQLite store.
//
// # Table
//
// The key schema is TableSchema (schema.go), the one definition the store, its
// tests (CreateTable) and the Pulumi stack build the table from: partition key
// pk and sort key sk (strings), two global secondary indexes gsi1
// (gsi1pk/gsi1sk) and gsi2 (gsi2pk/gsi2sk) projecting all attributes, and the
// TTL attribute expiresAt. Index keys are overloaded: each record kind puts
// its own values in them. A record is kept as its JSON document (attribute
// doc, the same JSON the SQLite store keeps) next to kind, ver (version) and
// its keys.
//
//	record         pk                 sk             gsi1pk / gsi1sk                         gsi2pk / gsi2sk
//	seller         SELLER#<handle>    SELLER         SELLERS / <handle>                      -
//	account claim  ACCOUNT#<sub>      ACCOUNT        -                                       -
//	video          VIDEO#<id>         VIDEO          SELLER#<handle>#VIDEOS / <posted>#<id>  VIDEOS#<status> / <posted>#<id>
//	product        PRODUCT#<id>       PRODUCT        SELLER#<handle>#PRODUCTS / <order>      PRODUCTS#<status> / <order>
//	video link     PRODUCT#<id>       VIDEO#<video>  VIDEO#<video>#PRODUCTS / <order>        -
//	tag link       PRODUCT#<id>       TAG#<tag>      TAG#<tag>#PRODUCTS / <order>            SELLER#<handle>#TAG#<tag> / <order>
//	click          CLICK#<random id>  CLICK          SELLER#<handle>#CLICKS / <at>#<id>      -
//	page view      VIEW#<random id>   VIEW           SELLER#<handle>#VIEWS / <at>#<id>       -
//	seller link    LINK#<id>          LINK           SELLER#<handle>#LINKS / <link order>    -
//	idempotency    IDEMPOTENCY#<key>  IDEMPOTENCY    -                                       -
//	counter        COUNTER#<key>      COUNTER        -                                       -
//
// Times in keys are 20-digit numbers that sort like the times (timeKey).
// <order> sorts products in listing order: pinned first, then position, then
// newest source video first (an inverted time), then id. <link order> sorts
// a seller's plain links by position, then creation time, then id.
//
// # Access patterns
//
//   - GetSeller, GetVideo, GetProduct: GetItem on the record's key, strongly consistent.
//   - GetSellerBySub: GetItem on the account claim, then on the seller it names.
//   - ListSellers: Query gsi1 SELLERS by handle.
//   - ListVideos: with a seller, Query gsi1 SELLER#<handle>#VIDEOS backwards
//     (newest first); without, Query the gsi2 partition of each wanted status
//     and merge (the sweeper's "stuck videos" listing reads only the queued
//     and processing partitions).
//   - ListProducts, by its most selective filter: a video's links, a seller's
//     tag links, a seller's products, a tag's links, or the gsi2 partition of
//     each wanted status, merged. Links carry only keys and the order key;
//     the products they lead to are read with BatchGetItem (strongly
//     consistent, unprocessed keys asked for again with backoff).
//   - ListLinks: Query gsi1 SELLER#<handle>#LINKS (a seller keeps at most
//     catalog.MaxLinks links).
//   - DailyClicks: one Query of gsi1 SELLER#<handle>#CLICKS over [from, to),
//     counted per product and UTC day in the store.
//   - DailyViews: the same over gsi1 SELLER#<handle>#VIEWS, per page and day.
//
// Filters are applied to the decoded records, not as filter expressions, so
// a listing returns exactly what the SQLite store returns for the same data,
// and an index entry that lags behind its record (index reads are eventually
// consistent) can never show a record that does not match. A page reads
// until it has limit+1 matches; the cursor of the next page (catalog.EncodeCursor,
// so it is bound to its query) is the index sort key of the last record
// returned, which each partition resumes after.
//
// # Writes
//
// Every write is a single-item conditional write; the store uses no
// transactions (the local emulator, dynalite, has none, and none are needed):
//
//   - Read-modify-write (UpdateSeller, UpdateVideo, UpsertProduct,
//     DeleteProduct, PutLink) is optimistic: the item is written on condition that ver
//     is still the version read, and the whole read-apply-write runs again
//     when it is not, with jittered backoff, up to 100 times (then conflict).
//     The mutation functions may therefore run more than once, as package
//     catalog allows. Versions follow the clock (nextVersion), so they grow
//     even across a product's deletion and re-creation.
//   - AddCounter (quotas and budgets) is one UpdateItem ADD whose condition
//     keeps the counter within its limit, so parallel adds from any number of
//     processes never pass it; an expired counter is replaced by a put on
//     condition that it is still expired.
//   - UpsertVideo puts on condition attribute_not_exists(pk) and reads the
//     stored video back when it exists.
//   - CreateSeller keeps handles unique and each account (token subject) to
//     one seller with two conditional puts: an account claim, then the seller,
//     then the claim is activated. A pending claim carries the seller it is
//     creating, so whoever meets one settles it (rolls it forward, or removes
//     it when the handle is someone else's): see CreateSeller.
//   - A product's links (one per source video, one per tag) are written after
//     the product, each on condition that the stored link is older than the
//     product version writing it, and links of the partition that the new
//     version does not want are deleted on the same condition. The product
//     item is the truth; listings check every product they reach through a
//     link against the query.
//   - DeleteProduct leaves a tombstone with the product's version that
//     expires after TombstoneTTL (expiresAt, DynamoDB TTL), so index writes of
//     the product's last writers still in flight cannot bring links back to
//     life for a re-created product.
//   - Idempotency records (GetIdempotency, PutIdempotency) carry expiresAt
//     too, so DynamoDB deletes them once their 24 h are over; expNs decides
//     expiry exactly meanwhile (TTL deletion is lazy), and a put succeeds on
//     the condition that no unexpired record holds the key.
//   - Tombstones and idempotency records are the only items with expiresAt;
//     every other record is kept until deleted, as in SQLite.
//
// # Errors
//
// Throttling and transient failures (after the SDK's own retries) are
// catalog unavailable, failed conditions that retrying cannot resolve are
// conflicts, and a record over DynamoDB's 400 KB item limit is invalid
// (checked before writing; DynamoDB's own size error maps the same way).
//
// # Capacity notes
//
// The SELLERS partition of gsi1 holds every seller and a seller's click
// partition takes every click on its storefront: each index partition
// accepts about 1,000 writes a second, far above buylink's sellers' rates;
// a storefront that outgrows it would shard its click partition by day.
package dynamo
