package storefront

import (
	"encoding/json"

	"github.com/gin-gonic/gin"
)

// OpenAPIDocument is the OpenAPI 3.1 description of buylink's HTTP API: this
// service's endpoints, ingestion-api's and the sign-in routes.
func OpenAPIDocument() []byte {
	b, err := files.ReadFile("openapi.json")
	if err != nil {
		panic(err)
	}
	return b
}

// servedOpenAPI is the document as this site serves it: its one server is
// the site's own address (PublicURL).
func servedOpenAPI(publicURL string) (*response, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(OpenAPIDocument(), &doc); err != nil {
		return nil, err
	}
	servers, err := json.Marshal([]map[string]string{{"url": publicURL, "description": "this buylink"}})
	if err != nil {
		return nil, err
	}
	doc["servers"] = servers
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	r := &response{contentType: "application/json; charset=utf-8", cacheControl: "public, max-age=300", body: b}
	r.seal()
	return r, nil
}

func (s *Server) openAPI(c *gin.Context) {
	c.Header("Access-Control-Allow-Origin", "*")
	s.openAPIDoc.write(c)
}
