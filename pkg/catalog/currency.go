package catalog

import "strings"

// ValidateCurrency checks an ISO 4217 currency code (upper case) of a
// currency in use: not a code ISO 4217 reserves for something else (XXX
// "no currency", XTS testing, precious metals, SDR and bond units), not a
// fund code (USN, CLF, ...), not a withdrawn currency (HRK, VEF, ...).
func ValidateCurrency(field, code string) error {
	if len(code) != 3 || strings.ToUpper(code) != code {
		return Invalid(field, "must be an upper-case ISO 4217 code (got %q)", truncate(code, 10))
	}
	if activeCurrencies[code] {
		return nil
	}
	if why, ok := notCurrencies[code]; ok {
		return Invalid(field, "%q is not a currency prices can be in: ISO 4217 %s", code, why)
	}
	return Invalid(field, "%q is not an ISO 4217 currency in use", code)
}

// activeCurrencies are ISO 4217's current currency codes (list one, funds,
// metals and special codes left out), as amended up to the Caribbean guilder
// (XCG, 2025), the Zimbabwe gold (ZWG, 2024) and the new leone (SLE).
var activeCurrencies = func() map[string]bool {
	m := map[string]bool{}
	for c := range strings.FieldsSeq(`
		AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
		CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
		GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW
		KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR
		MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR
		SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX
		USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG`) {
		m[c] = true
	}
	return m
}()

// notCurrencies are ISO 4217 codes that are no currency a price is in, and why.
var notCurrencies = map[string]string{
	"XXX": `reserves it for "no currency"`, "XTS": "reserves it for testing",
	"XAU": "names gold with it", "XAG": "names silver with it", "XPT": "names platinum with it", "XPD": "names palladium with it",
	"XDR": "names the IMF's special drawing right with it", "XSU": "names the SUCRE unit of account with it",
	"XUA": "names the ADB unit of account with it", "XBA": "names a bond market unit with it", "XBB": "names a bond market unit with it",
	"XBC": "names a bond market unit with it", "XBD": "names a bond market unit with it",
	"BOV": "lists it as a fund code", "CHE": "lists it as a fund code", "CHW": "lists it as a fund code", "CLF": "lists it as a fund code",
	"COU": "lists it as a fund code", "MXV": "lists it as a fund code", "USN": "lists it as a fund code", "UYI": "lists it as a fund code",
	"UYW": "lists it as a fund code",
	"ANG": "withdrew it (now XCG)", "BYR": "withdrew it (now BYN)", "CUC": "withdrew it", "EEK": "withdrew it (now EUR)",
	"HRK": "withdrew it (now EUR)", "LTL": "withdrew it (now EUR)", "LVL": "withdrew it (now EUR)", "MRO": "withdrew it (now MRU)",
	"SLL": "withdrew it (now SLE)", "STD": "withdrew it (now STN)", "VEF": "withdrew it (now VES)", "ZWL": "withdrew it (now ZWG)",
	"DEM": "withdrew it (now EUR)", "FRF": "withdrew it (now EUR)", "ITL": "withdrew it (now EUR)", "ESP": "withdrew it (now EUR)",
	"TRL": "withdrew it (now TRY)", "ZMK": "withdrew it (now ZMW)", "GHC": "withdrew it (now GHS)", "MZM": "withdrew it (now MZN)",
	"SDD": "withdrew it (now SDG)", "RUR": "withdrew it (now RUB)", "CSD": "withdrew it (now RSD)",
}

// CurrencyScale returns the ISO 4217 minor-unit exponent of a currency: 2 for
// USD and IDR, 0 for JPY, 3 for KWD. (CLDR's display rounding differs for some
// currencies, such as IDR; prices are stored in ISO minor units.)
func CurrencyScale(code string) int {
	if s, ok := isoExponents[code]; ok {
		return s
	}
	return 2
}

// isoExponents lists the active ISO 4217 currencies whose minor-unit exponent
// is not 2.
var isoExponents = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
	"UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}
