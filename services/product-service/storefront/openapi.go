package storefront

import "github.com/gin-gonic/gin"

// OpenAPIDocument is the OpenAPI 3.1 description of buylink's HTTP API: this
// service's endpoints and ingestion-api's.
func OpenAPIDocument() []byte {
	b, err := files.ReadFile("openapi.json")
	if err != nil {
		panic(err)
	}
	return b
}

var openAPIResponse = func() *response {
	r := &response{contentType: "application/json; charset=utf-8", cacheControl: "public, max-age=300", body: OpenAPIDocument()}
	r.seal()
	return r
}()

func (s *Server) openAPI(c *gin.Context) {
	c.Header("Access-Control-Allow-Origin", "*")
	openAPIResponse.write(c)
}
