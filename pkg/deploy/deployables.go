package deploy

import "github.com/buylink/buylink/pkg/events"

// The deployables' names.
const (
	IngestionAPI       = "ingestion-api"
	ProductService     = "product-service"
	CaptionParser      = "caption-parser"
	AutoTagger         = "auto-tagger"
	ThumbnailGenerator = "thumbnail-generator"
	ScheduledIngestion = "scheduled-ingestion"
	Sweeper            = "sweeper"
	DeadLetters        = "deadletters"
)

// Media bucket prefixes the deployables use.
const (
	ThumbsPrefix      = "thumbs/"
	LLMCachePrefix    = "llm-cache/"
	DeadLettersPrefix = "deadletters/"
	// VideosPrefix holds the videos sellers upload (package ingestion).
	VideosPrefix = "videos/"
	// The pictures sellers upload (package storefront): avatars, hand-made
	// products' and links' images.
	AvatarsPrefix       = "avatars/"
	ProductImagesPrefix = "products/"
	LinkImagesPrefix    = "links/"
)

// commonEnv is read by every binary (package obs, package metrics, the AWS SDK).
var commonEnv = []Var{
	{Name: "LOG_FORMAT", Doc: "json or text", Default: "text on a terminal, json otherwise", AWS: Fixed, Value: "json"},
	{Name: "LOG_LEVEL", Doc: "debug, info, warn or error", Default: "info"},
	{Name: "METRICS_FORMAT", Doc: "emf writes CloudWatch embedded-metric lines to stdout every minute; off", Default: "emf on Lambda and ECS, off elsewhere"},
	{Name: "AWS_REGION", Doc: "the AWS region of AWS URLs without region=", AWS: FromRegion, Runtimes: []Runtime{ECS}, Library: true},
	{Name: "AWS_LAMBDA_FUNCTION_NAME", Doc: "set by Lambda: the metrics default to EMF there", AWS: FromRuntime},
	{Name: "ECS_CONTAINER_METADATA_URI_V4", Doc: "set by ECS: the metrics default to EMF there", AWS: FromRuntime},
}

// httpEnv is read by the HTTP host.
var httpEnv = []Var{
	{Name: "ADDR", Doc: "listen address", Default: "ingestion-api :3001, product-service :3002", AWS: FromListenAddr},
	{Name: "DATA_DIR", Doc: "data directory of the embedded defaults (SQLite file, media, issuer key)", Default: ".buylink"},
	{Name: "TRUSTED_PROXIES", Doc: "CIDRs of the load balancer whose X-Forwarded-For is believed (comma-separated)", Default: "none", AWS: FromVPCCIDR},
	{Name: "CLIENT_IP_HEADER", Doc: "a header the CDN in front sets to the client's address, believed over X-Forwarded-For (only where nothing but the CDN reaches the service)", Default: "none", AWS: Fixed, Value: ViewerAddressHeader},
	{Name: "STORE_URL", Doc: "the catalog store: a SQLite path, sqlite:///path or dynamodb://<table>?region=<region>", Default: "DATA_DIR/catalog.db", AWS: FromStore},
}

// subscriptionEnv is read by the long-poll worker host.
var subscriptionEnv = []Var{
	{Name: "SUBSCRIPTION_URL", Doc: "the queue consumed, e.g. awssqs://sqs.<region>.amazonaws.com/<account>/<queue>?region=<region>", AWS: FromQueue},
	{Name: "DEADLETTER_URL", Doc: "where given-up messages go: the queue's DLQ (awssqs://...) or a dead-letter box (file://, s3://)", Default: "the queue's redrive policy only", AWS: FromDeadLetters},
	{Name: "WORKER_CONCURRENCY", Doc: "handlers running at once", Default: "4"},
}

// deadLetterEnv is read by the Lambda worker host.
var deadLetterEnv = []Var{
	{Name: "DEADLETTER_URL", Doc: "where given-up records go: the queue's DLQ (awssqs://...) or a dead-letter box (s3://)", Default: "the queue's redrive policy only", AWS: FromDeadLetters},
	{Name: "WORKER_CONCURRENCY", Doc: "records of one SQS batch handled at once", Default: "4"},
}

// topicsEnv is read by every host of a deployable that produces events.
var topicsEnv = Var{Name: "TOPIC_URL_TEMPLATE", Doc: "topic URL with {type} (video.posted) or {name} (video-posted)", Default: "mem://{type} (this process only)", AWS: FromTopics}

// authEnv is read by the HTTP services that verify bearer tokens.
var authEnv = []Var{
	{Name: "AUTH_ISSUER", Doc: "a Cognito user pool's issuer, https://cognito-idp.<region>.amazonaws.com/<pool>", AWS: FromAuthIssuer},
	{Name: "AUTH_CLIENT_IDS", Doc: "its app client ids whose tokens are accepted (comma-separated; required with AUTH_ISSUER)", AWS: FromAuthClientIDs},
	{Name: "AUTH_JWKS_URL", Doc: "its JWKS", Default: "AUTH_ISSUER/.well-known/jwks.json"},
}

// llmEnv is read by the LLM workers (package llm, their answer cache).
var llmEnv = []Var{
	{Name: "OPENROUTER_API_KEY", Doc: "OpenRouter key: turns on the LLM (rules only without it)", AWS: FromSecret, Secret: "openrouter-api-key"},
	{Name: "LLM_MODEL", Doc: "the OpenRouter model", Default: "package llm's default model"},
	{Name: "LLM_BASE_URL", Doc: "the OpenAI-compatible API base URL", Default: "https://openrouter.ai/api/v1"},
	{Name: "LLM_APP_URL", Doc: "HTTP-Referer sent to OpenRouter", Default: "none"},
	{Name: "LLM_APP_TITLE", Doc: "X-Title sent to OpenRouter", Default: "buylink"},
	{Name: "LLM_CACHE_URL", Doc: "bucket URL caching LLM answers by input hash", Default: "memory", AWS: FromLLMCache},
	{Name: "LLM_TIMEOUT", Doc: "bound of one LLM attempt (a Go duration)", Default: "60s"},
	{Name: "LLM_MAX_ATTEMPTS", Doc: "attempts of one LLM call (1..10)", Default: "4"},
	{Name: "LLM_MAX_RETRY_WAIT", Doc: "longest wait between attempts slept through (a Go duration)", Default: "30s"},
	{Name: "LLM_MAX_TOKENS", Doc: "bound of an answer's tokens (16..200000)", Default: "2048"},
	{Name: "LLM_BUDGET_SELLER_USD_PER_DAY", Doc: "LLM spend per seller per UTC day in US dollars, shared by the caption parser and the tagger; past it the rules read that seller's captions (0: rules only; off: no budget)", Default: "1.00"},
	{Name: "LLM_BUDGET_TOTAL_USD_PER_DAY", Doc: "LLM spend of all sellers together per UTC day in US dollars; past it the rules read every caption (0: rules only; off: no budget)", Default: "50.00"},
	{Name: "STORE_URL", Doc: "the catalog store, where the LLM spend is counted (needed with OPENROUTER_API_KEY)", Default: "none: rules only", AWS: FromStore},
}

// All are buylink's deployables, in the order of the pipeline.
var All = []Deployable{
	{
		Name: IngestionAPI, Doc: "video intake and status, seller onboarding",
		Kind: HTTP, Runtimes: []Runtime{ECS}, LocalAddr: ":3001",
		Produces: []string{events.TypeVideoPosted},
		Routes:   []string{"/api/videos*", "/api/sellers*", "/api/seller/videos*", "/api/handles*"},
		Env: append(append([]Var{}, authEnv...),
			Var{Name: "PUBLIC_URL", Doc: "the address sellers and workers use (uploaded videos' media URLs)", Default: "http://localhost:3001", AWS: FromPublicURL},
			Var{Name: "MEDIA_BUCKET_URL", Doc: "where uploaded videos are stored (file:// or s3://)", Default: "file://DATA_DIR/media", AWS: FromMedia},
			Var{Name: "AUTH_HOSTED_UI_URL", Doc: "Cognito's hosted UI: renews the dashboard's browser sessions for AUTH_CLIENT_IDS' first client", AWS: FromHostedUI},
			Var{Name: "APIFY_TOKEN", Doc: "turns on finding the media of videos posted by URL alone (an Apify single-post run)", AWS: FromSecret, Secret: "apify-token"},
			Var{Name: "APIFY_ACTOR", Doc: "the scraper actor", Default: "clockworks~tiktok-scraper"},
			Var{Name: "APIFY_BASE_URL", Doc: "the Apify API address (tests)", Default: "https://api.apify.com"},
			Var{Name: "LOCAL_ISSUER_URL", Doc: "turns on the local token issuer: its tokens' iss and the base of the JWKS it serves (not on AWS: Cognito signs there)"},
			Var{Name: "LOCAL_ISSUER_KEY_FILE", Doc: "the local issuer's RSA key, made on first start", Default: "DATA_DIR/auth/issuer-key.pem"},
			Var{Name: "ADMIN_PASSWORD_HASH", Doc: "bcrypt hash turning on POST /auth/admin/login (needs the local issuer; on AWS admins are Cognito's admins group)"},
			Var{Name: "TIKTOK_OEMBED_URL", Doc: "TikTok's oEmbed endpoint, asked who posted a video before a seller may claim it", Default: "https://www.tiktok.com/oembed"},
			Var{Name: "QUOTA_POSTS_PER_HOUR", Doc: "videos a seller may start per UTC clock hour: added by URL or upload, retried or re-read (scheduled Apify ingestion is not counted); off: no quota", Default: "30"},
			Var{Name: "QUOTA_POSTS_PER_DAY", Doc: "videos a seller may start per UTC day (at least QUOTA_POSTS_PER_HOUR); off: no quota", Default: "200"},
			Var{Name: "QUOTA_UPLOAD_BYTES_PER_DAY", Doc: "bytes of video a seller may upload per UTC day (2GB, 500MB or bytes); off: no quota", Default: "2GB"},
		),
		Grants:   Grants{Table: ReadWrite, Media: []MediaGrant{{Prefix: VideosPrefix, Write: true}}},
		Binaries: map[Runtime]string{ECS: "services/ingestion-api/cmd/ingestion-api"},
	},
	{
		Name: CaptionParser, Doc: "reads each caption into products (rules, or the LLM with a key)",
		Kind: Worker, Runtimes: []Runtime{Lambda, ECS},
		Consumes: []string{events.TypeVideoPosted}, Produces: []string{events.TypeCaptionParsed},
		Env:    llmEnv,
		Grants: Grants{Table: ReadWrite, Media: []MediaGrant{{Prefix: LLMCachePrefix, Write: true}}},
		Binaries: map[Runtime]string{
			Lambda: "services/caption-parser/cmd/caption-parser-lambda",
			ECS:    "services/caption-parser/cmd/caption-parser",
		},
	},
	{
		Name: ThumbnailGenerator, Doc: "cuts product thumbnails from video frames (OpenCV, x86_64)",
		Kind: Worker, Runtimes: []Runtime{ECS},
		Consumes: []string{events.TypeVideoPosted}, Produces: []string{events.TypeThumbnailsGenerated},
		Env: []Var{
			{Name: "MEDIA_BUCKET_URL", Doc: "where thumbnails are stored (file:// or s3://)", Required: true, AWS: FromMedia},
			{Name: "YOLO_MODEL_PATH", Doc: "a YOLOv8n ONNX model scoring frames on detected products", Default: "sharpness and exposure only; the image sets /opt/models/yolov8n.onnx"},
		},
		Grants:   Grants{Media: []MediaGrant{{Prefix: ThumbsPrefix, Write: true}}},
		Binaries: map[Runtime]string{ECS: "services/thumbnail-generator/cmd/thumbnail-generator"},
	},
	{
		Name: AutoTagger, Doc: "gives each product a category and tags (rules, or the LLM with a key)",
		Kind: Worker, Runtimes: []Runtime{Lambda, ECS},
		Consumes: []string{events.TypeCaptionParsed}, Produces: []string{events.TypeProductTagged},
		Env: append(append([]Var{}, llmEnv...),
			Var{Name: "TAGGER_MAX_TAGS", Doc: "tags per product at most", Default: "10"},
			Var{Name: "TAGGER_MIN_CONFIDENCE", Doc: "confidence a tag needs", Default: "0.6"},
		),
		Grants: Grants{Table: ReadWrite, Media: []MediaGrant{{Prefix: LLMCachePrefix, Write: true}}},
		Binaries: map[Runtime]string{
			Lambda: "services/auto-tagger/cmd/auto-tagger-lambda",
			ECS:    "services/auto-tagger/cmd/auto-tagger",
		},
	},
	{
		Name: ProductService, Doc: "storefront, public and seller APIs, click redirect, media; its projector writes products",
		Kind: HTTP, Runtimes: []Runtime{ECS}, LocalAddr: ":3002",
		Consumes: []string{events.TypeCaptionParsed, events.TypeThumbnailsGenerated, events.TypeProductTagged},
		Consumer: "projector",
		Routes:   []string{"/*"},
		Env: append([]Var{
			{Name: "PUBLIC_URL", Doc: "the address shoppers use (links, media URLs, sign-in callback)", Default: "http://localhost:3002", AWS: FromPublicURL},
			{Name: "MEDIA_BUCKET_URL", Doc: "the media bucket (file:// or s3://), served at PUBLIC_URL/media/ (on AWS the CDN reads the bucket itself; a request reaching the service is redirected to a presigned URL)", Default: "file://DATA_DIR/media", AWS: FromMedia},
			{Name: "LOGIN_URL", Doc: "where the dashboard sends signed-out browsers", Default: "/login"},
			{Name: "AUTH_HOSTED_UI_URL", Doc: "Cognito's hosted UI: serves /login and /auth/callback for AUTH_CLIENT_IDS' first client", AWS: FromHostedUI},
			{Name: "LOCAL_ISSUER_URL", Doc: "a buylink local issuer (ingestion-api's) whose tokens sellers use"},
			{Name: "LOCAL_ISSUER_JWKS_URL", Doc: "its JWKS", Default: "LOCAL_ISSUER_URL/.well-known/jwks.json"},
			{Name: "LOCAL_ISSUER_KEY_FILE", Doc: "its RSA key (ingestion-api's file), to renew the browser sessions it signed", Default: "sessions are not renewed"},
		}, authEnv...),
		Grants: Grants{Table: ReadWrite, Media: []MediaGrant{{Prefix: ThumbsPrefix}, {Prefix: VideosPrefix},
			{Prefix: AvatarsPrefix, Write: true}, {Prefix: ProductImagesPrefix, Write: true}, {Prefix: LinkImagesPrefix, Write: true}}},
		Binaries: map[Runtime]string{ECS: "services/product-service/cmd/product-service"},
	},
	{
		Name: ScheduledIngestion, Doc: "scrapes every seller's new posts through Apify",
		Kind: Schedule, Runtimes: []Runtime{Lambda},
		Produces: []string{events.TypeVideoPosted},
		Env: []Var{
			{Name: "STORE_URL", Doc: "the catalog store", Required: true, AWS: FromStore},
			{Name: "APIFY_TOKEN", Doc: "the Apify API token", Required: true, AWS: FromSecret, Secret: "apify-token"},
			{Name: "APIFY_ACTOR", Doc: "the scraper actor", Default: "clockworks~tiktok-scraper"},
			{Name: "INGEST_CONCURRENCY", Doc: "sellers scraped at once (1..64)", Default: "4"},
		},
		Grants:   Grants{Table: ReadWrite},
		Binaries: map[Runtime]string{Lambda: "services/ingestion-api/cmd/scheduled-ingestion-lambda"},
	},
	{
		Name: Sweeper, Doc: "restarts videos stuck queued or processing; fails them after 3 starts",
		Kind: Schedule, Runtimes: []Runtime{Lambda}, Schedule: "rate(5 minutes)",
		Produces: []string{events.TypeVideoPosted},
		Env: []Var{
			{Name: "STORE_URL", Doc: "the catalog store", Required: true, AWS: FromStore},
			{Name: "SWEEP_STUCK_AFTER", Doc: "how long a video may stay unfinished (a Go duration)", Default: "10m"},
			{Name: "SWEEP_MAX_ATTEMPTS", Doc: "pipeline starts per video before it is failed", Default: "3"},
		},
		Grants:   Grants{Table: ReadWrite},
		Binaries: map[Runtime]string{Lambda: "services/recovery/cmd/sweeper-lambda"},
	},
	{
		Name: DeadLetters, Doc: "marks the video of every dead-lettered message failed and keeps the letter in the dead-letter box",
		Kind: Worker, Runtimes: []Runtime{Lambda},
		Env: []Var{
			{Name: "STORE_URL", Doc: "the catalog store", Required: true, AWS: FromStore},
		},
		Grants: Grants{Table: ReadWrite, Media: []MediaGrant{{Prefix: DeadLettersPrefix, Write: true}}, DeadLetterQueues: true},
		Binaries: map[Runtime]string{
			Lambda: "services/recovery/cmd/deadletters-lambda",
		},
	},
}

// DevstackEnv is what `make dev` (services/devstack) reads besides the
// services' own variables, which it passes on to them.
var DevstackEnv = []Var{
	{Name: "DEV_ADDR", Doc: "listen address: loopback only, since the devstack signs anyone in without a password", Default: "127.0.0.1:8080"},
	{Name: "DEV_ALLOW_REMOTE", Doc: "1 lets DEV_ADDR be beyond loopback (a network you trust); the dev sign-ins and /admin still answer only requests addressed to localhost or PUBLIC_URL's host", Default: "off"},
	{Name: "DATA_DIR", Doc: "SQLite file (catalog.db), media (media/), dead letters (deadletters/)", Default: "./.buylink"},
	{Name: "PUBLIC_URL", Doc: "the address browsers use (media URLs, links)", Default: "http://localhost:<port>"},
	{Name: "DEMO", Doc: "off skips seeding the demo shop", Default: "on"},
	{Name: "APIFY_TOKEN", Doc: "turns on scheduled ingestion through Apify every hour", Default: "off"},
	{Name: "APIFY_ACTOR", Doc: "the scraper actor", Default: "clockworks~tiktok-scraper"},
	{Name: "APIFY_BASE_URL", Doc: "the Apify API address (tests)", Default: "https://api.apify.com"},
	{Name: "ADMIN_PASSWORD_HASH", Doc: "bcrypt hash turning on the admin login"},
}
