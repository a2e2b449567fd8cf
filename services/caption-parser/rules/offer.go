package rules

import "time"

// weekdays maps weekday names (en, de, fr, es, pt) to time.Weekday.
var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday,
	"fri": time.Friday, "sat": time.Saturday,
	"sonntag": time.Sunday, "montag": time.Monday, "dienstag": time.Tuesday, "mittwoch": time.Wednesday,
	"donnerstag": time.Thursday, "freitag": time.Friday, "samstag": time.Saturday,
	"dimanche": time.Sunday, "lundi": time.Monday, "mardi": time.Tuesday, "mercredi": time.Wednesday,
	"jeudi": time.Thursday, "vendredi": time.Friday, "samedi": time.Saturday,
	"domingo": time.Sunday, "lunes": time.Monday, "martes": time.Tuesday, "miércoles": time.Wednesday,
	"jueves": time.Thursday, "viernes": time.Friday, "sábado": time.Saturday,
	"segunda": time.Monday, "terça": time.Tuesday, "quarta": time.Wednesday, "quinta": time.Thursday,
	"sexta": time.Friday,
}

// endTriggers introduce the end of an offer: "ends Sunday", "until Sunday",
// "nur bis Sonntag", "jusqu'à dimanche", "hasta el domingo", "até domingo".
var endTriggers = setOf("ends", "ending", "end", "until", "till", "til", "thru", "through", "bis",
	"jusqu'à", "jusqu", "hasta", "até", "sampai", "expires", "expire")

// hourWords and dayWords are the units of "48 hrs only" and "3 days only".
var (
	hourWords = setOf("h", "hr", "hrs", "hour", "hours", "std", "stunden", "heures", "horas", "jam")
	dayWords  = setOf("day", "days", "tage", "jours", "días", "dias", "hari")
	onlyWords = setOf("only", "nur", "seulement", "solo", "só", "saja", "left")
)

// offerEnd returns when the caption's offer ends, relative to the video's
// posting time (in UTC): the end of the named weekday, of the posting day
// ("today only", "ends tonight", "ends midnight"), of the coming Sunday
// ("this weekend only"), or the posting time plus a duration ("48 hrs only",
// "ends in 3 days"). It returns nil when the caption names no end or the
// posting time is unknown.
func (c *parse) offerEnd() *time.Time {
	var near [3]string // the words around a word (wordsBefore)
	if c.in.PostedAt.IsZero() {
		return nil
	}
	posted := c.in.PostedAt.UTC()
	endOfDay := func(t time.Time) time.Time {
		y, m, d := t.Date()
		return time.Date(y, m, d, 23, 59, 59, 0, time.UTC)
	}
	toks := c.toks
	for i := range toks {
		t := &toks[i]
		switch t.kind {
		case tWord:
			// "ends Sunday", "until Sunday", "bis Sonntag", "hasta el domingo".
			if t.in(vWeekday) && len(t.low) > 3 {
				wd := weekdays[t.low]
				if b := c.wordsBefore(&near, i, 3); containsAny(b, endTriggers) || (len(b) > 0 && (b[0] == "this" || b[0] == "jusqu'à")) && c.followedBy(i, onlyWords) {
					days := (int(wd) - int(posted.Weekday()) + 7) % 7
					e := endOfDay(posted.AddDate(0, 0, days))
					return &e
				}
			}
			switch t.low {
			case "tonight", "midnight", "today", "heute", "hoje", "hoy", "aujourd'hui":
				b := c.wordsBefore(&near, i, 2)
				if t.low == "tonight" || t.low == "midnight" {
					if containsAny(b, endTriggers) || t.low == "tonight" && len(b) > 0 && (b[0] == "ends" || b[0] == "(ends") {
						e := endOfDay(posted)
						return &e
					}
					continue
				}
				if c.followedBy(i, onlyWords) || len(b) > 0 && (onlyWords[b[0]] || b[0] == "só") || containsAny(b, endTriggers) {
					e := endOfDay(posted)
					return &e
				}
			case "weekend", "week":
				b := c.wordsBefore(&near, i, 2)
				if len(b) > 0 && b[0] == "this" && c.followedBy(i, onlyWords) {
					days := (int(time.Sunday) - int(posted.Weekday()) + 7) % 7
					e := endOfDay(posted.AddDate(0, 0, days))
					return &e
				}
			}
		case tNum:
			// "48 HRS ONLY", "24h only", "ends in 3 days", "next 48 hours".
			n := smallCount(c.text[t.start:t.numEnd])
			if n == 0 || n > 31*24 {
				continue
			}
			unit := lower(c.text[t.numEnd:t.end])
			next := i + 1
			if unit == "" && next < len(toks) && toks[next].kind == tWord {
				unit = toks[next].low
				next++
			}
			isHours, isDays := hourWords[unit], dayWords[unit]
			if !isHours && !isDays {
				continue
			}
			b := c.wordsBefore(&near, i, 2)
			only := next < len(toks) && toks[next].kind == tWord && onlyWords[toks[next].low]
			if only || containsAny(b, setOf("in", "next", "only", "noch", "encore", "últimas", "ultimas")) && (containsAny(b, endTriggers) || len(b) > 0 && (b[0] == "next" || b[0] == "only")) {
				var e time.Time
				if isHours {
					e = posted.Add(time.Duration(n) * time.Hour)
				} else {
					e = endOfDay(posted.AddDate(0, 0, n))
				}
				return &e
			}
		}
	}
	return nil
}

// followedBy reports whether the word after token i is in the set.
func (c *parse) followedBy(i int, set map[string]bool) bool {
	for j := i + 1; j < len(c.toks) && j <= i+2; j++ {
		t := &c.toks[j]
		if t.kind == tWord {
			return set[t.low]
		}
		if t.kind != tPunct {
			return false
		}
	}
	return false
}

func containsAny(words []string, set map[string]bool) bool {
	for _, w := range words {
		if set[w] {
			return true
		}
	}
	return false
}

// wordsBefore returns up to n (at most 3) lower-case words before token i,
// nearest first, within the phrase, in buf: it stops at a line break, an
// emoji, a URL, a number or sentence punctuation, and skips brackets,
// dashes and colons.
func (c *parse) wordsBefore(buf *[3]string, i, n int) []string {
	out := buf[:0]
	for j := i - 1; j >= 0 && len(out) < n; j-- {
		t := &c.toks[j]
		switch t.kind {
		case tWord:
			out = append(out, t.low)
			continue
		case tPunct:
			switch c.text[t.start:t.end] {
			case "(", ")", "-", "–", ":", "'", "\"", "“", "”":
				continue
			}
		}
		break
	}
	return out
}

// wordsAfter returns up to n (at most 3) lower-case words after token i,
// nearest first, in buf.
func (c *parse) wordsAfter(buf *[3]string, i, n int) []string {
	out := buf[:0]
	for j := i + 1; j < len(c.toks) && len(out) < n; j++ {
		t := &c.toks[j]
		switch t.kind {
		case tWord:
			out = append(out, t.low)
			continue
		case tPunct:
			switch c.text[t.start:t.end] {
			case "(", ")", "-", "–", ":", "'", "\"", "“", "”":
				continue
			}
		}
		break
	}
	return out
}

// prevWord returns the index of the word before token i, skipping at most
// skip punctuation tokens, or -1.
func (c *parse) prevWord(i, skip int) int {
	for j := i - 1; j >= 0; j-- {
		t := &c.toks[j]
		if t.kind == tWord {
			return j
		}
		if t.kind != tPunct || skip == 0 {
			return -1
		}
		skip--
	}
	return -1
}
