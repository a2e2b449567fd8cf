package awsconfig_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/awsconfig"
	"github.com/buylink/buylink/pkg/internal/testservers"
)

// secretsManager answers GetSecretValue as Secrets Manager does (JSON 1.1
// protocol): the value of the one secret it holds, the service's error
// shape for any other.
func secretsManager(t *testing.T, arn, value string) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		var in struct{ SecretId string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if in.SecretId != arn {
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"ARN": arn, "Name": "buylink/dev/openrouter-api-key", "SecretString": value,
			"VersionId": "b7e3c0a2-5d1e-4c1f-9a64-0f3b2a1c9d8e", "VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 1.7e9,
		})
	}))
}

func TestSecretValue(t *testing.T) {
	testservers.UseEmulators(t)
	arn := "arn:aws:secretsmanager:eu-west-1:123456789012:secret:buylink/dev/openrouter-api-key-Ab12Cd"
	srv := secretsManager(t, arn, "sk-or-v1-test")
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", srv.URL)
	got, err := awsconfig.SecretValue(t.Context(), arn)
	if err != nil || got != "sk-or-v1-test" {
		t.Fatalf("SecretValue = %q, %v", got, err)
	}
	if _, err := awsconfig.SecretValue(t.Context(), strings.Replace(arn, "Ab12Cd", "Zz99Zz", 1)); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("a missing secret: %v", err)
	}
	for _, bad := range []string{"", "openrouter-api-key", "arn:aws:s3:::bucket/key", "arn:aws:secretsmanager::1:secret:x"} {
		if _, err := awsconfig.SecretValue(t.Context(), bad); err == nil || !strings.Contains(err.Error(), "not a Secrets Manager secret ARN") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
