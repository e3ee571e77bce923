// Package network sets pods up on the cluster's CNI plugins through libcni.
package network

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/containernetworking/cni/libcni"
)

// confExtensions are the files kubelet and containerd read as CNI configs.
var confExtensions = []string{".conf", ".conflist", ".json"}

// errNoConfig says the conf dir holds no usable network config yet.
var errNoConfig = errors.New("no valid CNI network config")

// loadFirstConfig returns the first valid network config list in dir,
// sorted by file name as kubelet and containerd do. A single-plugin .conf
// is turned into a list. Invalid files are skipped, with their errors kept
// for the report when none is valid.
func loadFirstConfig(dir string) (*libcni.NetworkConfigList, string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", fmt.Errorf("%w: %s does not exist", errNoConfig, dir)
	}
	if err != nil {
		return nil, "", fmt.Errorf("reading CNI conf dir: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && hasConfExtension(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var problems []string
	for _, n := range names {
		path := filepath.Join(dir, n)
		list, err := loadConfigFile(path)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", n, err))
			continue
		}
		return list, path, nil
	}
	if len(problems) > 0 {
		return nil, "", fmt.Errorf("%w in %s (%s)", errNoConfig, dir, strings.Join(problems, "; "))
	}
	return nil, "", fmt.Errorf("%w in %s", errNoConfig, dir)
}

func hasConfExtension(name string) bool {
	for _, ext := range confExtensions {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

func loadConfigFile(path string) (*libcni.NetworkConfigList, error) {
	if strings.HasSuffix(path, ".conflist") {
		list, err := libcni.ConfListFromFile(path)
		if err != nil {
			return nil, err
		}
		if len(list.Plugins) == 0 {
			return nil, errors.New("conflist has no plugins")
		}
		return list, nil
	}
	conf, err := libcni.ConfFromFile(path)
	if err != nil {
		return nil, err
	}
	if conf.Network.Type == "" {
		return nil, errors.New("network config has no plugin type")
	}
	return libcni.ConfListFromConf(conf)
}
