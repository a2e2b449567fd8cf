package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/buylink/buylink/pkg/awsconfig"
	"github.com/buylink/buylink/pkg/catalog"
)

// Scheme is the URL scheme of the store: dynamodb://<table>?region=...
const Scheme = "dynamodb"

// Store is a catalog.Store over one DynamoDB table laid out by TableSchema.
type Store struct {
	db    *dynamodb.Client
	table string
	now   func() time.Time
}

var _ catalog.Store = (*Store)(nil)

// Option configures Open.
type Option func(*Store)

// WithClock sets the clock used for CreatedAt, UpdatedAt and versions (tests).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// tableRE is DynamoDB's rule for table names.
var tableRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

// SDK retries of one request (throttling, 5xx, network errors): attempts by
// default and the longest wait between two. Requests that still fail are
// unavailable.
const (
	defaultMaxAttempts = 5
	maxSDKBackoff      = time.Second
)

// sdkBackoff waits a random time up to 25ms doubling per attempt, at most
// maxSDKBackoff.
func sdkBackoff(attempt int, _ error) (time.Duration, error) {
	ceiling := min(25*time.Millisecond<<min(attempt, 10), maxSDKBackoff)
	return time.Duration(rand.Int64N(int64(ceiling)) + 1), nil
}

// Open opens the store a URL names: dynamodb://<table>, with the query
// parameters of package awsconfig (region, endpoint, profile, ...) and
// max_attempts (SDK attempts per request, 1..20, default 5), e.g.
// "dynamodb://buylink-prod?region=eu-west-1" or, against a local emulator,
// "dynamodb://buylink?region=eu-west-1&endpoint=http://127.0.0.1:4567".
// It fails at once when credentials are missing; it does not check that the
// table exists (Ping does).
func Open(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != Scheme {
		return nil, fmt.Errorf("dynamo: %q is not a dynamodb://<table> URL", rawURL)
	}
	if !tableRE.MatchString(u.Host) || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("dynamo: %q: the table name must be the URL's host, 3-255 characters of a-z, A-Z, 0-9, '_', '-' or '.'", rawURL)
	}
	q := u.Query()
	attempts := defaultMaxAttempts
	if v := q.Get("max_attempts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 20 {
			return nil, fmt.Errorf("dynamo: %s: max_attempts must be an integer in 1..20 (got %q)", u.Host, v)
		}
		attempts = n
		q.Del("max_attempts")
	}
	cfg, err := awsconfig.Load(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("dynamo: open table %s: %w", u.Host, err)
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.Retryer = awsretry.NewStandard(func(so *awsretry.StandardOptions) {
			so.MaxAttempts = attempts
			so.MaxBackoff = maxSDKBackoff
			so.Backoff = awsretry.BackoffDelayerFunc(sdkBackoff)
			so.RateLimiter = ratelimit.None
		})
	})
	s := &Store{db: db, table: u.Host, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Table returns the table's name.
func (s *Store) Table() string { return s.table }

// Close releases nothing: the SDK client holds no resources that need it.
func (s *Store) Close() error { return nil }

// Ping checks that the table exists and is active.
func (s *Store) Ping(ctx context.Context) error {
	out, err := s.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &s.table})
	if err != nil {
		return catalog.Unavailable(err, "dynamodb table %s does not answer", s.table)
	}
	if st := out.Table.TableStatus; st != types.TableStatusActive && st != types.TableStatusUpdating {
		return catalog.Unavailable(nil, "dynamodb table %s is %s", s.table, st)
	}
	return nil
}

// CreateTable creates the store's table from TableSchema (on-demand billing,
// every index projecting all attributes), waits until it is active and enables
// TTL on the schema's TTL attribute. It is for tests and local emulators; the
// Pulumi stack creates the real table from the same schema. An emulator
// without the TTL API (dynalite) gets the table without TTL.
func (s *Store) CreateTable(ctx context.Context) error {
	in := &dynamodb.CreateTableInput{
		TableName:   &s.table,
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keySchema(TableSchema.HashKey, TableSchema.RangeKey),
	}
	for _, a := range TableSchema.Attributes() {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a.Name), AttributeType: types.ScalarAttributeType(a.Type),
		})
	}
	for _, ix := range TableSchema.Indexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  keySchema(ix.HashKey, ix.RangeKey),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		})
	}
	if _, err := s.db.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("dynamo: create table %s: %w", s.table, err)
	}
	w := dynamodb.NewTableExistsWaiter(s.db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 2*time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: &s.table}, 5*time.Minute); err != nil {
		return fmt.Errorf("dynamo: wait for table %s: %w", s.table, err)
	}
	_, err := s.db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: &s.table,
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(TableSchema.TTLAttribute), Enabled: aws.Bool(true),
		},
	})
	var api smithy.APIError
	if err == nil || (errors.As(err, &api) && api.ErrorCode() == "UnknownOperationException") {
		return nil
	}
	return fmt.Errorf("dynamo: enable TTL on %s: %w", s.table, err)
}

func keySchema(hash, rng KeyAttribute) []types.KeySchemaElement {
	ks := []types.KeySchemaElement{{AttributeName: aws.String(hash.Name), KeyType: types.KeyTypeHash}}
	if rng.Name != "" {
		ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(rng.Name), KeyType: types.KeyTypeRange})
	}
	return ks
}

// Key size limits: no item can have a longer key, so a lookup by one is
// not found rather than a request DynamoDB rejects.
const (
	maxPKBytes = 2048
	maxSKBytes = 1024
)

// get reads one item with a strongly consistent read; nil when it is missing.
func (s *Store) get(ctx context.Context, pk, sk, what string) (item, error) {
	if len(pk) > maxPKBytes || len(sk) > maxSKBytes {
		return nil, nil
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: key(pk, sk), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, dbErr(err, what)
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	return out.Item, nil
}

// cond is a condition expression with its values.
type cond struct {
	expr string
	vals item
}

// Conditions the writes use.
var (
	ifAbsent = cond{expr: "attribute_not_exists(pk)"}
)

// ifVersion holds when the item is at version ver.
func ifVersion(ver int64) cond { return cond{expr: "ver = :ver", vals: item{":ver": num(ver)}} }

// ifOlder holds when the item is missing or older than version ver.
func ifOlder(ver int64) cond {
	return cond{expr: "attribute_not_exists(pk) OR ver < :ver", vals: item{":ver": num(ver)}}
}

// put writes an item under a condition; errCondition when it does not hold.
func (s *Store) put(ctx context.Context, it item, c cond, what string) error {
	in := &dynamodb.PutItemInput{TableName: &s.table, Item: it}
	if c.expr != "" {
		in.ConditionExpression = aws.String(c.expr)
		if len(c.vals) > 0 {
			in.ExpressionAttributeValues = c.vals
		}
	}
	_, err := s.db.PutItem(ctx, in)
	return condErr(err, what)
}

// del deletes an item under a condition; errCondition when it does not hold.
func (s *Store) del(ctx context.Context, pk, sk string, c cond, what string) error {
	in := &dynamodb.DeleteItemInput{TableName: &s.table, Key: key(pk, sk)}
	if c.expr != "" {
		in.ConditionExpression = aws.String(c.expr)
		if len(c.vals) > 0 {
			in.ExpressionAttributeValues = c.vals
		}
	}
	_, err := s.db.DeleteItem(ctx, in)
	return condErr(err, what)
}

func condErr(err error, what string) error {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return errCondition
	}
	return dbErr(err, what)
}
