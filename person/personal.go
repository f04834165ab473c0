package person

import (
	"github.com/vernhq/vern"
)

// OpenPersonal decrypts the personal fields of a stored person without
// reading anything else: the path of audience exports and mailings that
// stream many people and need only their contact data. It is safe for
// concurrent use.
func (s *Service) OpenPersonal(sp *vern.SealedPerson) (vern.PersonalData, error) {
	dk, err := s.unwrap(sp)
	if err != nil {
		return vern.PersonalData{}, err
	}
	return openPersonal(dk, sp.ID, sp.Sealed)
}
