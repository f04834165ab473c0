package vern

import (
	"context"
	"time"
)

// Organization is a company a person may represent (S4: "a person linked to
// their company"). Company details are not personal data and are stored in
// the clear; the people linked to it are not.
type Organization struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	OrgNumber string    `json:"org_number,omitempty"`
	Country   string    `json:"country,omitempty"`
	Website   string    `json:"website,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	Email     string    `json:"email,omitempty"`
	Address   string    `json:"address,omitempty"`
	MatchKey  string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// OrganizationInput is what a caller supplies about a person's organisation.
type OrganizationInput struct {
	Name      string `json:"name"`
	OrgNumber string `json:"org_number,omitempty"`
	Country   string `json:"country,omitempty"`
	Website   string `json:"website,omitempty"`
	Phone     string `json:"phone,omitempty"`
	Email     string `json:"email,omitempty"`
	Address   string `json:"address,omitempty"`
}

// OrganizationStore persists organisations.
type OrganizationStore interface {
	// EnsureOrganization inserts o unless an organisation with the same
	// MatchKey exists, and in both cases fills o with the stored row.
	EnsureOrganization(ctx context.Context, o *Organization) error
	// FindOrganizationByID returns ENOTFOUND when there is no such organisation.
	FindOrganizationByID(ctx context.Context, id string) (*Organization, error)
}

// ValidNorwegianOrgNumber reports whether s (nine digits) carries a valid
// Brønnøysund mod-11 check digit, weights 3 2 7 6 5 4 3 2.
func ValidNorwegianOrgNumber(s string) bool {
	if len(s) != 9 {
		return false
	}
	weights := [8]int{3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i, c := range s {
		if c < '0' || c > '9' {
			return false
		}
		if i < 8 {
			sum += int(c-'0') * weights[i]
		}
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == int(s[8]-'0')
}
