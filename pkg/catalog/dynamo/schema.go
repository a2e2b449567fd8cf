package dynamo

// KeyAttribute is one key attribute of the table or an index, with its
// DynamoDB scalar type ("S", "N" or "B").
type KeyAttribute struct {
	Name string
	Type string
}

// Index is a global secondary index; every index projects all attributes.
type Index struct {
	Name     string
	HashKey  KeyAttribute
	RangeKey KeyAttribute
}

// Schema is the key schema of the single table. It is defined once, here: the
// store, its tests and the Pulumi stack all build the table from it.
type Schema struct {
	HashKey  KeyAttribute
	RangeKey KeyAttribute
	Indexes  []Index
	// TTLAttribute holds an item's expiry (Unix seconds); DynamoDB deletes
	// expired items.
	TTLAttribute string
}

// Attributes lists every key attribute of the table and its indexes once,
// as CreateTable's AttributeDefinitions need them.
func (s Schema) Attributes() []KeyAttribute {
	seen := map[string]bool{}
	var out []KeyAttribute
	add := func(a KeyAttribute) {
		if a.Name != "" && !seen[a.Name] {
			seen[a.Name] = true
			out = append(out, a)
		}
	}
	add(s.HashKey)
	add(s.RangeKey)
	for _, ix := range s.Indexes {
		add(ix.HashKey)
		add(ix.RangeKey)
	}
	return out
}

// Key attribute and index names of the table.
const (
	AttrPK     = "pk"
	AttrSK     = "sk"
	AttrGSI1PK = "gsi1pk"
	AttrGSI1SK = "gsi1sk"
	AttrGSI2PK = "gsi2pk"
	AttrGSI2SK = "gsi2sk"
	AttrTTL    = "expiresAt"
	IndexGSI1  = "gsi1"
	IndexGSI2  = "gsi2"
)

// TableSchema is buylink's single-table key schema.
var TableSchema = Schema{
	HashKey:  KeyAttribute{AttrPK, "S"},
	RangeKey: KeyAttribute{AttrSK, "S"},
	Indexes: []Index{
		{Name: IndexGSI1, HashKey: KeyAttribute{AttrGSI1PK, "S"}, RangeKey: KeyAttribute{AttrGSI1SK, "S"}},
		{Name: IndexGSI2, HashKey: KeyAttribute{AttrGSI2PK, "S"}, RangeKey: KeyAttribute{AttrGSI2SK, "S"}},
	},
	TTLAttribute: AttrTTL,
}
