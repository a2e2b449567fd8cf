module github.com/buylink/buylink/services/thumbnail-generator

go 1.26.0

require github.com/buylink/buylink/pkg v0.0.0

require (
	gocv.io/x/gocv v0.31.0 // indirect
	golang.org/x/image v0.30.0 // indirect
)

replace github.com/buylink/buylink/pkg => ../../pkg
