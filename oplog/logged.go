package oplog

import "encoding/json"

// Logged is one log entry as committed: the entry, where it was
// committed and whether it was pushed (an Outcome of opsync.Plan.After).
type Logged struct {
	Entry
	Repo   string `json:"repo"`   // work tree
	Commit string `json:"commit"` // commit id, "" when it could not be committed
	Pushed bool   `json:"pushed"`
	Remote string `json:"remote,omitempty"` // remote/branch it was pushed to
}

// MarshalJSON writes the entry's keys (Entry's) and the repository,
// commit, pushed and remote keys in one object. (Without it the embedded
// Entry's MarshalJSON would be promoted and the last four lost.)
func (l Logged) MarshalJSON() ([]byte, error) {
	entry, err := json.Marshal(l.Entry)
	if err != nil {
		return nil, err
	}
	where, err := json.Marshal(struct {
		Repo   string `json:"repo"`
		Commit string `json:"commit"`
		Pushed bool   `json:"pushed"`
		Remote string `json:"remote,omitempty"`
	}{l.Repo, l.Commit, l.Pushed, l.Remote})
	if err != nil {
		return nil, err
	}
	// Both are JSON objects: join {entry…} and {where…} into one.
	return append(append(entry[:len(entry)-1:len(entry)-1], ','), where[1:]...), nil
}
