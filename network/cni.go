package network

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/containernetworking/cni/libcni"
	current "github.com/containernetworking/cni/pkg/types/100"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// Options configure the CNI plugin.
type Options struct {
	ConfDir  string
	BinDirs  []string
	CacheDir string
}

// CNI runs the first network config list of the conf dir for each pod.
// The config is re-read on every use, so a config that appears (or changes)
// takes effect without a restart.
type CNI struct {
	opts Options
	cni  *libcni.CNIConfig
}

// ErrRollbackFailed marks a failed ADD whose rollback DEL failed too: the
// pod may still hold network resources, and its DEL must be retried.
var ErrRollbackFailed = errors.New("CNI rollback failed")

// cleanupTimeout bounds the DEL that rolls back a failed ADD.
const cleanupTimeout = time.Minute

// NewCNI prepares the plugin; a missing config is not an error here
// (Ready reports it).
func NewCNI(opts Options) *CNI {
	return &CNI{opts: opts, cni: libcni.NewCNIConfigWithCacheDir(opts.BinDirs, opts.CacheDir, nil)}
}

// Ready returns nil when a valid network config is present.
func (c *CNI) Ready() error {
	_, _, err := loadFirstConfig(c.opts.ConfDir)
	return err
}

// SetUp runs CNI ADD for a pod and returns its IPs (IPv4 first). A failed
// ADD is rolled back with DEL before returning.
func (c *CNI) SetUp(ctx context.Context, p Pod) (ips []string, retErr error) {
	list, _, err := loadFirstConfig(c.opts.ConfDir)
	if err != nil {
		return nil, errdefs.Wrap(errdefs.ErrFailedPrecondition, err)
	}
	rt := runtimeConf(p)
	res, err := c.cni.AddNetworkList(ctx, list, rt)
	if err == nil {
		var r *current.Result
		if r, err = current.NewResultFromResult(res); err == nil {
			return resultIPs(r), nil
		}
	}
	err = fmt.Errorf("CNI ADD (network %q) for pod %s/%s: %w", list.Name, p.Namespace, p.Name, err)
	return nil, errors.Join(err, c.rollback(list, rt))
}

// rollback undoes a failed ADD under its own context.
func (c *CNI) rollback(list *libcni.NetworkConfigList, rt *libcni.RuntimeConf) error {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if err := c.cni.DelNetworkList(ctx, list, rt); err != nil {
		return fmt.Errorf("%w: CNI DEL: %w", ErrRollbackFailed, err)
	}
	return nil
}

// TearDown runs CNI DEL for a pod, with the config (and result) cached at
// ADD time when there is one, so a changed or removed config still releases
// what ADD took.
func (c *CNI) TearDown(ctx context.Context, p Pod) error {
	rt := runtimeConf(p)
	list, _, err := loadFirstConfig(c.opts.ConfDir)
	if cached, cachedRT, cerr := c.cachedConfig(rt); cerr == nil && cached != nil {
		list, rt = cached, cachedRT
		rt.NetNS = p.NetNS
	} else if err != nil {
		return errdefs.Wrap(errdefs.ErrFailedPrecondition, fmt.Errorf("CNI DEL for pod %s/%s: no cached config and %w", p.Namespace, p.Name, err))
	}
	if err := c.cni.DelNetworkList(ctx, list, rt); err != nil {
		return fmt.Errorf("CNI DEL (network %q) for pod %s/%s: %w", list.Name, p.Namespace, p.Name, err)
	}
	return nil
}

// CachedIPs returns the pod's IPs from the result libcni cached when its
// ADD completed; none (and no error) when there is no cached result, as
// after an ADD that never finished.
func (c *CNI) CachedIPs(p Pod) ([]string, error) {
	list, rt, err := c.cachedConfig(runtimeConf(p))
	if err != nil {
		return nil, nil
	}
	res, err := c.cni.GetNetworkListCachedResult(list, rt)
	if err != nil {
		return nil, fmt.Errorf("reading the cached CNI result of pod %s/%s: %w", p.Namespace, p.Name, err)
	}
	if res == nil {
		return nil, nil
	}
	r, err := current.NewResultFromResult(res)
	if err != nil {
		return nil, fmt.Errorf("cached CNI result of pod %s/%s: %w", p.Namespace, p.Name, err)
	}
	return resultIPs(r), nil
}

// cachedConfig returns the network config libcni cached at ADD time.
func (c *CNI) cachedConfig(rt *libcni.RuntimeConf) (*libcni.NetworkConfigList, *libcni.RuntimeConf, error) {
	atts, err := c.cni.GetCachedAttachments(rt.ContainerID)
	if err != nil || len(atts) == 0 {
		return nil, nil, errors.New("no cached attachment")
	}
	a := atts[0]
	list, err := libcni.ConfListFromBytes(a.Config)
	if err != nil {
		return nil, nil, err
	}
	cachedRT := &libcni.RuntimeConf{
		ContainerID: a.ContainerID, IfName: a.IfName,
		Args: a.CniArgs, CapabilityArgs: a.CapabilityArgs,
	}
	if cachedRT.IfName == "" {
		cachedRT.IfName = ifName
	}
	return list, cachedRT, nil
}

// resultIPs lists a result's addresses, IPv4 first.
func resultIPs(r *current.Result) []string {
	var v4, v6 []string
	for _, ip := range r.IPs {
		if ip == nil {
			continue
		}
		if ip.Address.IP.To4() != nil {
			v4 = append(v4, ip.Address.IP.String())
		} else if ip.Address.IP.To16() != nil && !ip.Address.IP.Equal(net.IPv6zero) {
			v6 = append(v6, ip.Address.IP.String())
		}
	}
	return append(v4, v6...)
}
