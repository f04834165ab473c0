// Package vern holds the vocabulary of Vern, the privacy operations platform:
// the domain types, their validation rules, the error codes and the ports
// (Store, Clock) that the use-case packages depend on.
//
// It imports only the standard library. Storage, HTTP and the command line
// live in their own packages and depend on this one, never the other way.
package vern
