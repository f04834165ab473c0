package vern

// VisitorStore persists cookie choices of anonymous website visitors.
type VisitorStore interface{}
