// Package catalog holds buylink's domain: sellers, videos, products and clicks,
// their validation rules, the store interfaces every backend implements and the
// domain error codes. It performs no I/O.
//
// Every store validates records with the Validate methods below before writing,
// so no backend ever holds an invalid record. Mutations go through functions
// (UpdateVideo, UpsertProduct, ...) that a backend may call more than once under
// optimistic concurrency: they must only change the record they are given.
package catalog
