package records

// hexdump lays b out as `hexdump -C` does: offset, 16 bytes in two groups of
// 8, and the printable ASCII between bars (anything else as '.'), then the
// final offset on a line of its own. Repeated lines are not folded into '*':
// the screen scrolls, and every line is where it is in the value.
func hexdump(b []byte) []string {
	const hex = "0123456789abcdef"
	lines := make([]string, 0, len(b)/16+2)
	line := make([]byte, 0, 80)
	appendOffset := func(off int) {
		for shift := 28; shift >= 0; shift -= 4 {
			line = append(line, hex[(off>>shift)&0xf])
		}
	}
	for off := 0; off < len(b); off += 16 {
		row := b[off:min(off+16, len(b))]
		line = line[:0]
		appendOffset(off)
		line = append(line, ' ')
		for i := range 16 {
			line = append(line, ' ')
			if i == 8 {
				line = append(line, ' ')
			}
			if i < len(row) {
				line = append(line, hex[row[i]>>4], hex[row[i]&0xf])
			} else {
				line = append(line, ' ', ' ')
			}
		}
		line = append(line, "  |"...)
		for _, c := range row {
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			line = append(line, c)
		}
		line = append(line, '|')
		lines = append(lines, string(line))
	}
	if len(b) > 0 {
		line = line[:0]
		appendOffset(len(b))
		lines = append(lines, string(line))
	}
	return lines
}
