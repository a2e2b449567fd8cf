// Package dynamo is the DynamoDB catalog store (single-table design). This
// file set starts with the table's key schema, shared with the Pulumi stack;
// the store itself builds on it.
package dynamo
