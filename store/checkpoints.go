package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"

	"github.com/dockercri/dockercri/internal/cridockerd/config"
	"github.com/dockercri/dockercri/internal/cridockerd/core"
	"github.com/dockercri/dockercri/internal/cridockerd/dockershim"
	"github.com/dockercri/dockercri/internal/errdefs"
)

// Sandbox checkpoints use cri-dockerd's file format (version, name,
// namespace, data.port_mappings, data.host_network, checksum) under
// <root>/sandbox/<id>, so either can read what the other wrote. dockercri's
// own extra fields live under "dockercri", which cri-dockerd ignores.
const checkpointVersion = "v1"

// CheckpointPort is one port mapping of a sandbox (cri-dockerd's fields).
type CheckpointPort struct {
	Protocol      *string `json:"protocol,omitempty"`
	ContainerPort *int32  `json:"container_port,omitempty"`
	HostPort      *int32  `json:"host_port,omitempty"`
	HostIP        string  `json:"host_ip,omitempty"`
}

// CheckpointData is the part of a checkpoint cri-dockerd checksums.
type CheckpointData struct {
	PortMappings []*CheckpointPort `json:"port_mappings,omitempty"`
	HostNetwork  bool              `json:"host_network,omitempty"`
}

// CheckpointExtra is what dockercri records beyond cri-dockerd's fields
// (under "dockercri", which cri-dockerd ignores).
type CheckpointExtra struct {
	UID     string `json:"uid,omitempty"`
	Attempt uint32 `json:"attempt,omitempty"`
	// Namespace modes the pod asked for (CRI enum names), which the
	// sandbox container alone does not show (PID sharing, for one).
	NetworkNS string `json:"network_ns,omitempty"`
	PidNS     string `json:"pid_ns,omitempty"`
	IpcNS     string `json:"ipc_ns,omitempty"`
	// CreatedAt is when the sandbox was created (Unix nanoseconds).
	CreatedAt int64 `json:"created_at,omitempty"`
	// NetworkSetUp is set before CNI ADD and cleared after a successful
	// DEL, so every ADD (even one cut short by a crash) gets its DEL.
	NetworkSetUp bool `json:"network_set_up,omitempty"`
	// IPs are the pod's addresses from the CNI result, primary first.
	IPs []string `json:"ips,omitempty"`
}

// Checkpoint is a sandbox's checkpoint file: versioned JSON in
// cri-dockerd's format.
type Checkpoint struct {
	Version   string           `json:"version"`
	Name      string           `json:"name"`
	Namespace string           `json:"namespace"`
	Data      *CheckpointData  `json:"data,omitempty"`
	Dockercri *CheckpointExtra `json:"dockercri,omitempty"`
	Checksum  uint64           `json:"checksum"`

	// written is the file's modification time, the creation time of
	// checkpoints that do not record one (cri-dockerd's).
	written int64
}

// CreatedAt is the sandbox's creation time as the checkpoint knows it.
func (c *Checkpoint) CreatedAt() int64 {
	if c.Dockercri != nil && c.Dockercri.CreatedAt != 0 {
		return c.Dockercri.CreatedAt
	}
	return c.written
}

// checksum is cri-dockerd's checksum of the data (internal/cridockerd), so
// that cri-dockerd verifies the files dockercri writes and the other way
// round. dockercri's own block is not covered, as cri-dockerd ignores it.
func (c *Checkpoint) checksum() uint64 {
	return core.Checksum(core.CheckpointData{
		HostNetwork: c.Data != nil && c.Data.HostNetwork,
		PortMappings: mirrorPorts(c.Data, func(p *CheckpointPort) *config.PortMapping {
			return &config.PortMapping{Protocol: mirrorProtocol[config.Protocol](p.Protocol), ContainerPort: p.ContainerPort, HostPort: p.HostPort, HostIP: p.HostIP}
		}),
	})
}

// dockershimChecksum is the checksum kubelet's in-tree dockershim wrote
// (same algorithm, its own type names), for checkpoints adopted from
// /var/lib/dockershim.
func (c *Checkpoint) dockershimChecksum() uint64 {
	return dockershim.Checksum(dockershim.CheckpointData{
		HostNetwork: c.Data != nil && c.Data.HostNetwork,
		PortMappings: mirrorPorts(c.Data, func(p *CheckpointPort) *dockershim.PortMapping {
			return &dockershim.PortMapping{Protocol: mirrorProtocol[dockershim.Protocol](p.Protocol), ContainerPort: p.ContainerPort, HostPort: p.HostPort, HostIP: p.HostIP}
		}),
	})
}

// mirrorPorts converts the data's port mappings to a mirror type; none is
// nil, as cri-dockerd holds them (the dump tells nil from empty).
func mirrorPorts[T any](d *CheckpointData, mk func(*CheckpointPort) T) []T {
	if d == nil {
		return nil
	}
	var out []T
	for _, p := range d.PortMappings {
		out = append(out, mk(p))
	}
	return out
}

func mirrorProtocol[P ~string](p *string) *P {
	if p == nil {
		return nil
	}
	v := P(*p)
	return &v
}

// legacyChecksum is what dockercri wrote before it computed cri-dockerd's
// checksum (FNV-64a of the data's JSON); such files stay readable.
func (c *Checkpoint) legacyChecksum() uint64 {
	buf, _ := json.Marshal(c.Data)
	h := fnv.New64a()
	_, _ = h.Write(buf)
	return h.Sum64()
}

// verify checks a checkpoint read from disk against its checksum, as
// cri-dockerd, dockershim or an earlier dockercri computed it.
func (c *Checkpoint) verify() bool {
	return c.Checksum == c.checksum() || c.Checksum == c.dockershimChecksum() || c.Checksum == c.legacyChecksum()
}

// CheckpointID matches the full sandbox ids checkpoints are named by.
var CheckpointID = regexp.MustCompile(`^[a-f0-9]{64}$`)

// Checkpoints is the store of sandbox checkpoints under <root>/sandbox,
// the only writer of that directory: what it read or wrote is kept in
// memory, so reads touch no file.
type Checkpoints struct {
	dir string
	mu  sync.Mutex // serialises read-modify-write updates

	// Checkpoints change only through this store, so what was read or
	// written is kept: PodSandboxStatus reads no file.
	cacheMu sync.Mutex
	cache   map[string]*Checkpoint
	ids     map[string]bool // every checkpoint, once list read the directory
}

// Clone copies a checkpoint deeply enough that callers may change it.
func (c *Checkpoint) Clone() *Checkpoint {
	out := *c
	if c.Data != nil {
		d := *c.Data
		out.Data = &d
	}
	if c.Dockercri != nil {
		x := *c.Dockercri
		x.IPs = append([]string(nil), c.Dockercri.IPs...)
		out.Dockercri = &x
	}
	return &out
}

func (s *Checkpoints) cached(id string) (*Checkpoint, bool) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	cp, ok := s.cache[id]
	if !ok {
		return nil, false
	}
	return cp.Clone(), true
}

func (s *Checkpoints) remember(id string, cp *Checkpoint) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if s.cache == nil {
		s.cache = map[string]*Checkpoint{}
	}
	if cp == nil {
		delete(s.cache, id)
		return
	}
	s.cache[id] = cp.Clone()
}

// NewCheckpoints opens the checkpoint store under root, removing the temp
// files of writes a killed predecessor left.
func NewCheckpoints(root string) (*Checkpoints, error) {
	dir := filepath.Join(root, "sandbox")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating checkpoint directory: %w", err)
	}
	if err := removeStaleTemps(dir); err != nil {
		return nil, err
	}
	return &Checkpoints{dir: dir}, nil
}

// removeStaleTemps removes the temporary files of writes that a killed
// predecessor left (".<id>.tmp<random>"): this process has written none
// yet, and a write never resumes.
func removeStaleTemps(dir string) error {
	stale, err := filepath.Glob(filepath.Join(dir, ".*.tmp*"))
	if err != nil {
		return fmt.Errorf("listing checkpoint temp files: %w", err)
	}
	for _, p := range stale {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("removing a stale checkpoint temp file: %w", err)
		}
	}
	return nil
}

// Exists reports whether sandbox id has a checkpoint on disk.
func (s *Checkpoints) Exists(id string) bool {
	p, err := s.path(id)
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}

func (s *Checkpoints) path(id string) (string, error) {
	if !CheckpointID.MatchString(id) {
		return "", errdefs.InvalidArgument("sandbox id %q is not a full container id", id)
	}
	return filepath.Join(s.dir, id), nil
}

// Write stores cp atomically (temp file, fsync, rename).
func (s *Checkpoints) Write(id string, cp *Checkpoint) error {
	p, err := s.path(id)
	if err != nil {
		return err
	}
	cp.Version = checkpointVersion
	cp.Checksum = cp.checksum()
	buf, err := json.Marshal(cp)
	if err != nil {
		return fmt.Errorf("encoding checkpoint %s: %w", id, err)
	}
	tmp, err := os.CreateTemp(s.dir, "."+id+".tmp")
	if err != nil {
		return fmt.Errorf("writing checkpoint %s: %w", id, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf); err != nil {
		tmp.Close()
		return fmt.Errorf("writing checkpoint %s: %w", id, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("syncing checkpoint %s: %w", id, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing checkpoint %s: %w", id, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("installing checkpoint %s: %w", id, err)
	}
	s.remember(id, cp)
	s.known(id, true)
	return nil
}

// Update changes a checkpoint through fn under the store's lock.
func (s *Checkpoints) Update(id string, fn func(*Checkpoint) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp, err := s.Read(id)
	if err != nil {
		return err
	}
	if cp.Dockercri == nil {
		cp.Dockercri = &CheckpointExtra{}
	}
	if err := fn(cp); err != nil {
		return err
	}
	return s.Write(id, cp)
}

// Read loads a checkpoint; a missing one is ErrNotFound.
func (s *Checkpoints) Read(id string) (*Checkpoint, error) {
	p, err := s.path(id)
	if err != nil {
		return nil, err
	}
	if cp, ok := s.cached(id); ok {
		return cp, nil
	}
	buf, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errdefs.NotFound("no checkpoint for sandbox %s", id)
	}
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint %s: %w", id, err)
	}
	var cp Checkpoint
	if err := json.Unmarshal(buf, &cp); err != nil {
		return nil, fmt.Errorf("checkpoint %s is corrupt: %w", id, err)
	}
	if fi, err := os.Stat(p); err == nil {
		cp.written = fi.ModTime().UnixNano()
	}
	if cp.Version != checkpointVersion {
		return nil, fmt.Errorf("checkpoint %s has unknown version %q", id, cp.Version)
	}
	if !cp.verify() {
		return nil, errdefs.Wrap(errdefs.ErrDataLoss, fmt.Errorf("checkpoint %s is corrupt: its checksum %d does not match its data", id, cp.Checksum))
	}
	s.remember(id, &cp)
	return &cp, nil
}

// Remove deletes a checkpoint; a missing one is not an error.
func (s *Checkpoints) Remove(id string) error {
	p, err := s.path(id)
	if err != nil {
		return err
	}
	s.remember(id, nil)
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing checkpoint %s: %w", id, err)
	}
	s.known(id, false)
	return nil
}

// List returns the ids of all checkpoints, sorted. The directory is read
// once; after that the store knows every id it writes and removes.
func (s *Checkpoints) List() ([]string, error) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if s.ids == nil {
		entries, err := os.ReadDir(s.dir)
		if err != nil {
			return nil, fmt.Errorf("listing checkpoints: %w", err)
		}
		s.ids = map[string]bool{}
		for _, e := range entries {
			if CheckpointID.MatchString(e.Name()) {
				s.ids[e.Name()] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(s.ids)), nil
}

// known records that checkpoint id exists (or not) once list has read
// the directory.
func (s *Checkpoints) known(id string, exists bool) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	switch {
	case s.ids == nil:
	case exists:
		s.ids[id] = true
	default:
		delete(s.ids, id)
	}
}
