package records

// maxIndent caps the indentation: 10,000 nested arrays (which encoding/json
// accepts) would otherwise make lines of 20,000 spaces, 100 MB from 20 KB.
const maxIndent = 32

// indentJSON appends src, JSON text, indented by two spaces, one member or
// element per line, like json.Indent but by hand so that src may be a cut
// prefix of a document (Render shows at most RenderLimit bytes) and key order
// and numbers stay exactly as written. Nesting deeper than maxIndent is not
// indented further. It stops once it has appended maxOut bytes, and says how
// many bytes of src it used.
func indentJSON(dst, src []byte, maxOut int) (out []byte, used int) {
	depth := 0
	inString, escaped := false, false
	newline := func() {
		dst = append(dst, '\n')
		for range min(depth, maxIndent) {
			dst = append(dst, "  "...)
		}
	}
	limit := len(dst) + maxOut
	for i := 0; i < len(src); i++ {
		if len(dst) >= limit {
			return dst, i
		}
		c := src[i]
		if inString {
			dst = append(dst, c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
		case '"':
			inString = true
			dst = append(dst, c)
		case '{', '[':
			dst = append(dst, c)
			j := i + 1
			for j < len(src) && isSpace(src[j]) {
				j++
			}
			if j < len(src) && (src[j] == '}' || src[j] == ']') {
				dst = append(dst, src[j]) // {} and [] stay on one line
				i = j
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth = max(depth-1, 0)
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst, len(src)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
