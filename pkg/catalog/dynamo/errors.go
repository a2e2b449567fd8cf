package dynamo

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/buylink/buylink/pkg/catalog"
)

// errCondition reports that a conditional write found the item in another
// state than the condition required; callers decide what that means.
var errCondition = errors.New("dynamo: condition failed")

// errRetry makes retry run the operation again: the record changed between
// read and write.
var errRetry = errors.New("dynamo: concurrent change, retry")

// maxAttempts bounds how often an optimistic read-modify-write is tried.
const maxAttempts = 100

// retry runs op until it returns anything but errRetry, backing off with
// jitter between attempts. Contention that outlasts maxAttempts is a conflict.
func retry(ctx context.Context, what string, op func() error) error {
	for attempt := 1; ; attempt++ {
		err := op()
		if !errors.Is(err, errRetry) {
			return err
		}
		if attempt >= maxAttempts {
			return catalog.Conflict("%s: the record kept changing under %d attempts; try again", what, maxAttempts)
		}
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return catalog.Unavailable(err, "%s: interrupted", what)
		}
	}
}

// backoff is a full-jitter delay: up to 2ms doubling per attempt, capped at 100ms.
func backoff(attempt int) time.Duration {
	ceiling := min(2*time.Millisecond<<min(attempt-1, 6), 100*time.Millisecond)
	return time.Duration(rand.Int64N(int64(ceiling)) + 1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var (
	throttles  = awsretry.IsErrorThrottles(awsretry.DefaultThrottles)
	retryables = awsretry.IsErrorRetryables(awsretry.DefaultRetryables)
)

// dbErr turns an SDK error into a domain error: throttling and transient
// failures are unavailable (retry later), failed conditions conflicts,
// oversized items invalid, anything else internal.
func dbErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var de *catalog.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return catalog.Unavailable(err, "%s: interrupted", what)
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return catalog.Conflict("%s: the record changed or exists already", what)
	}
	if throttles.IsErrorThrottle(err).Bool() {
		return catalog.Unavailable(err, "%s: DynamoDB is throttling requests", what)
	}
	var rnf *types.ResourceNotFoundException
	if errors.As(err, &rnf) {
		return catalog.Internal(err, "%s: the table does not exist", what)
	}
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "ValidationException" && isSizeError(api.ErrorMessage()) {
		return catalog.Invalid("record", "is larger than DynamoDB's item limit of %d bytes", MaxItemBytes)
	}
	var ise *types.InternalServerError
	var send *smithyhttp.RequestSendError
	var nerr net.Error
	if errors.As(err, &ise) || errors.As(err, &send) || errors.As(err, &nerr) || retryables.IsErrorRetryable(err).Bool() {
		return catalog.Unavailable(err, "%s: DynamoDB is unavailable", what)
	}
	return catalog.Internal(err, "%s", what)
}

// isSizeError recognises DynamoDB's messages about items over the limit
// ("Item size has exceeded the maximum allowed size", "Item size to update
// has exceeded ...").
func isSizeError(msg string) bool {
	msg = strings.ToLower(msg)
	return strings.Contains(msg, "item size") && strings.Contains(msg, "exceeded")
}
