package delivery

// SetMaxModelPages changes the largest site kept as a model (tests only) and
// returns the function that restores it.
func SetMaxModelPages(n int) (restore func()) {
	old := maxModelPages
	maxModelPages = n
	return func() { maxModelPages = old }
}
