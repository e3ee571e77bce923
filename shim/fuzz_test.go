package shim

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// call runs a handler through the gRPC boundary, as a request would.
func call[Req, Resp any](ctx context.Context, method string, req Req, h func(context.Context, Req) (Resp, error)) error {
	_, err := UnaryInterceptor(0)(ctx, req, &grpc.UnaryServerInfo{FullMethod: "/runtime.v1.RuntimeService/" + method},
		func(ctx context.Context, r any) (any, error) { return h(ctx, r.(Req)) })
	return err
}

// FuzzPodLifecycle feeds random but well-formed requests through the gRPC
// boundary: no panic (Internal), no Unknown, and a pod that failed to run
// leaves no container and no checkpoint.
func FuzzPodLifecycle(f *testing.F) {
	f.Add("web", "default", "uid-1", "web", "app", "busybox:latest", "app/0.log", "/tmp/data", "/data", "net.core.somaxconn", "1024", int32(8080), "/kubepods/pod1")
	f.Add("", "ns", "u", "h", "", "", "../x", "rel", "/c", "kernel.shm_rmid_forced", "1", int32(-1), "bad..parent")
	f.Add("a_b", "n s", "u/1", "", "POD", "UPPER::bad", "/abs.log", "/a:b", "/c:d", "", "", int32(70000), "x.slice")
	f.Fuzz(func(t *testing.T, name, ns, uid, hostname, ctrName, image, logPath, hostPath, ctrPath, sysctlKey, sysctlVal string, port int32, cgroup string) {
		env := newTestEnv(t)
		ctx := context.Background()
		sb := env.sandboxConfig(func(c *runtimeapi.PodSandboxConfig) {
			c.Metadata = &runtimeapi.PodSandboxMetadata{Name: name, Namespace: ns, Uid: uid}
			c.Hostname = hostname
			c.PortMappings = []*runtimeapi.PortMapping{{ContainerPort: port, HostPort: port}}
			c.Linux.CgroupParent = cgroup
			if sysctlKey != "" {
				c.Linux.Sysctls = map[string]string{sysctlKey: sysctlVal}
			}
		})
		var sandboxID string
		err := call(ctx, "RunPodSandbox", &runtimeapi.RunPodSandboxRequest{Config: sb}, func(ctx context.Context, r *runtimeapi.RunPodSandboxRequest) (*runtimeapi.RunPodSandboxResponse, error) {
			resp, err := env.svc.RunPodSandbox(ctx, r)
			if err == nil {
				sandboxID = resp.PodSandboxId
			}
			return resp, err
		})
		checkCode(t, "RunPodSandbox", err)
		if err != nil {
			if list, _ := env.engine.ListContainers(ctx); len(list) > 0 {
				t.Fatalf("failed RunPodSandbox left %d containers", len(list))
			}
			if entries, _ := os.ReadDir(filepath.Join(env.root, "sandbox")); len(entries) > 0 {
				t.Fatalf("failed RunPodSandbox left %d checkpoint files", len(entries))
			}
			return
		}
		cc := containerConfig(func(c *runtimeapi.ContainerConfig) {
			c.Metadata.Name, c.Image.Image, c.LogPath = ctrName, image, logPath
			c.Mounts = []*runtimeapi.Mount{{HostPath: hostPath, ContainerPath: ctrPath}}
		})
		err = call(ctx, "CreateContainer", &runtimeapi.CreateContainerRequest{PodSandboxId: sandboxID, Config: cc, SandboxConfig: sb}, env.svc.CreateContainer)
		checkCode(t, "CreateContainer", err)
		if err != nil {
			if list, _ := env.engine.ListContainers(ctx); len(list) != 1 {
				t.Fatalf("failed CreateContainer left containers: %d", len(list))
			}
		}
		checkCode(t, "StopPodSandbox", call(ctx, "StopPodSandbox", &runtimeapi.StopPodSandboxRequest{PodSandboxId: sandboxID}, env.svc.StopPodSandbox))
		checkCode(t, "RemovePodSandbox", call(ctx, "RemovePodSandbox", &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sandboxID}, env.svc.RemovePodSandbox))
		if list, _ := env.engine.ListContainers(ctx); len(list) > 0 {
			t.Fatalf("RemovePodSandbox left %d containers", len(list))
		}
	})
}

func checkCode(t *testing.T, op string, err error) {
	t.Helper()
	switch c := status.Code(err); c {
	case codes.Unknown, codes.Internal:
		t.Fatalf("%s: %v (code %v)", op, err, c)
	}
}
