package vern

// AudienceStore persists audience definitions and exports.
type AudienceStore interface{}

// NewsletterStore persists mailing lists and their sends.
type NewsletterStore interface{}
