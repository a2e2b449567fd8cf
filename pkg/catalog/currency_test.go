package catalog

import "testing"

func TestCurrencyScaleFollowsISO4217(t *testing.T) {
	for code, want := range map[string]int{
		"USD": 2, "EUR": 2, "IDR": 2, "PKR": 2, "INR": 2, "BRL": 2,
		"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0,
		"KWD": 3, "BHD": 3, "CLF": 4, "ZZZ": 2,
	} {
		if got := CurrencyScale(code); got != want {
			t.Errorf("CurrencyScale(%s) = %d, want %d", code, got, want)
		}
	}
}
