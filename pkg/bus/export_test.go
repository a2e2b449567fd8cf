package bus

// Counting reports how many deliveries w counts in memory.
func Counting(w *Worker) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.attempts)
}
