package main

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/docker/docker/api/types/container"
)

// checkSpecs runs one pod through dockercri and one straight against
// Docker, inspects the four containers and reports every field of Config
// and HostConfig that differs once the pods' own names and ids are masked:
// the raw side must create exactly what dockercri creates. The pods are
// removed again; differences are returned, not fatal.
func (b *bench) checkSpecs(ctx context.Context) ([]string, error) {
	cp, rp := b.newPod(sideCRI), b.newPod(sideRaw)
	csid, ccid, err := b.criStartPod(ctx, "", cp)
	if err != nil {
		return nil, err
	}
	defer b.criStopPod(ctx, "", csid, ccid) //nolint:errcheck // the final sweep catches leftovers
	sbSpec, err := b.sandboxSpec(rp)
	if err != nil {
		return nil, err
	}
	rsid, err := b.rawCreate(ctx, sbSpec)
	if err != nil {
		return nil, err
	}
	defer b.docker.ContainerRemove(context.WithoutCancel(ctx), rsid, container.RemoveOptions{Force: true})
	cSpec, err := b.containerSpec(rp, rsid)
	if err != nil {
		return nil, err
	}
	rcid, err := b.rawCreate(ctx, cSpec)
	if err != nil {
		return nil, err
	}
	defer b.docker.ContainerRemove(context.WithoutCancel(ctx), rcid, container.RemoveOptions{Force: true})
	for _, id := range []string{rsid, rcid} {
		if err := b.docker.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
			return nil, err
		}
	}
	var diffs []string
	for _, pair := range [][2]string{{csid, rsid}, {ccid, rcid}} {
		d, err := b.diffContainers(ctx, pair, [2]*pod{cp, rp}, [2]string{csid, rsid})
		if err != nil {
			return nil, err
		}
		diffs = append(diffs, d...)
	}
	return diffs, nil
}

// diffContainers compares the Config and HostConfig of ids[0] (made by
// dockercri for pods[0]) and ids[1] (made raw for pods[1]).
func (b *bench) diffContainers(ctx context.Context, ids [2]string, pods [2]*pod, sandboxes [2]string) ([]string, error) {
	var norm [2]map[string]any
	kind := ""
	for i, id := range ids {
		in, err := b.docker.ContainerInspect(ctx, id)
		if err != nil {
			return nil, err
		}
		kind = strings.SplitN(strings.TrimPrefix(in.Name, "/k8s_"), "_", 2)[0]
		data, err := json.Marshal(map[string]any{"Config": in.Config, "HostConfig": in.HostConfig})
		if err != nil {
			return nil, err
		}
		md := pods[i].sandbox.Metadata
		s := strings.NewReplacer(id, "<self>", sandboxes[i], "<sandbox>", md.Uid, "<uid>").Replace(string(data))
		s = strings.ReplaceAll(s, md.Name, "<pod>")
		if err := json.Unmarshal([]byte(s), &norm[i]); err != nil {
			return nil, err
		}
	}
	var out []string
	for _, section := range []string{"Config", "HostConfig"} {
		a, _ := norm[0][section].(map[string]any)
		r, _ := norm[1][section].(map[string]any)
		keys := map[string]bool{}
		for k := range a {
			keys[k] = true
		}
		for k := range r {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			if !reflect.DeepEqual(a[k], r[k]) {
				out = append(out, fmt.Sprintf("%s %s.%s: dockercri %v, raw %v", kind, section, k, a[k], r[k]))
			}
		}
	}
	return out, nil
}
