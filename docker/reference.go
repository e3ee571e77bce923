package docker

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/distribution/reference"
	"github.com/docker/docker/api/types/registry"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// NormalizeRef returns the fully qualified reference Docker should pull:
// a name without tag or digest gets ":latest" (Docker's pull API would
// otherwise fetch every tag of the repository).
func NormalizeRef(ref string) (string, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", errdefs.InvalidArgument("image reference %q: %w", ref, err)
	}
	return reference.TagNameOnly(named).String(), nil
}

// Auth is registry credentials as CRI carries them.
type Auth struct {
	Username      string
	Password      string
	Auth          string
	ServerAddress string
	IdentityToken string
	RegistryToken string
}

// EncodeAuth renders credentials as Docker's X-Registry-Auth header value.
// An empty Auth encodes to "".
func EncodeAuth(a Auth) (string, error) {
	if a == (Auth{}) {
		return "", nil
	}
	if a.Username == "" && a.Password == "" && a.Auth != "" {
		// dockerd reads only username/password; "auth" is base64(user:pass).
		raw, err := base64.StdEncoding.DecodeString(a.Auth)
		if err != nil {
			return "", errdefs.InvalidArgument("registry auth field is not base64: %w", err)
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return "", errdefs.InvalidArgument("registry auth field must encode user:password")
		}
		a.Username, a.Password = user, pass
	}
	buf, err := json.Marshal(registry.AuthConfig{
		Username:      a.Username,
		Password:      a.Password,
		Auth:          a.Auth,
		ServerAddress: a.ServerAddress,
		IdentityToken: a.IdentityToken,
		RegistryToken: a.RegistryToken,
	})
	if err != nil {
		return "", fmt.Errorf("encoding registry auth: %w", err)
	}
	return base64.URLEncoding.EncodeToString(buf), nil
}

// MirrorRef maps a normalized reference to its mirror, if its registry has
// one: mirrors maps a registry host ("gcr.io") to the host[:port] that
// serves the same repositories. ok is false when there is no mirror.
func MirrorRef(ref string, mirrors map[string]string) (mirrored string, ok bool, err error) {
	if len(mirrors) == 0 {
		return "", false, nil
	}
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", false, errdefs.InvalidArgument("image reference %q: %w", ref, err)
	}
	mirror, ok := mirrors[reference.Domain(named)]
	if !ok {
		return "", false, nil
	}
	out := mirror + "/" + reference.Path(named)
	if d, isDigest := named.(reference.Digested); isDigest {
		return out + "@" + d.Digest().String(), true, nil
	}
	if t, isTagged := named.(reference.Tagged); isTagged {
		return out + ":" + t.Tag(), true, nil
	}
	return out, true, nil
}

// IsDigestRef reports whether ref pins a digest.
func IsDigestRef(ref string) bool {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return false
	}
	_, ok := named.(reference.Digested)
	return ok
}
