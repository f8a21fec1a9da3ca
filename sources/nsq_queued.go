package sources

// Queued is what the node held at its last answer: the depth of its topics
// and their channels, the messages nobody has read yet.
func (n NSQNode) Queued() int64 {
	var q int64
	for _, t := range n.Topics {
		q += t.Depth
		for _, c := range t.Channels {
			q += c.Depth
		}
	}
	return q
}
