package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// cniBinDir is where Debian's containernetworking-plugins installs.
const cniBinDir = "/usr/lib/cni"

// cniEnv is a CNI setup of the test's own: a bridge, a subnet from
// host-local with its own data dir, conf and cache dirs.
type cniEnv struct {
	confDir, cacheDir, dataDir string
	bridge, subnet, gateway    string
}

func newCNIEnv(t *testing.T) *cniEnv {
	t.Helper()
	skipUnlessE2E(t)
	if _, err := os.Stat(filepath.Join(cniBinDir, "bridge")); err != nil {
		t.Fatalf("CNI plugins missing (%v): install Debian's containernetworking-plugins", err)
	}
	var b [2]byte
	_, _ = rand.Read(b[:])
	tag := hex.EncodeToString(b[:])
	octet := int(b[0])%200 + 20
	dir := t.TempDir()
	e := &cniEnv{
		confDir: filepath.Join(dir, "net.d"), cacheDir: filepath.Join(dir, "cache"), dataDir: filepath.Join(dir, "ipam"),
		bridge: "dcri" + tag, subnet: fmt.Sprintf("10.%d.%d.0/24", octet, int(b[1])), gateway: fmt.Sprintf("10.%d.%d.1", octet, int(b[1])),
	}
	require.NoError(t, os.MkdirAll(e.confDir, 0o755))
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", e.bridge).Run() })
	return e
}

// writeConfig installs a bridge + host-local + portmap + firewall +
// bandwidth list (firewall admits the pods through the FORWARD policy DROP
// that Docker sets).
func (e *cniEnv) writeConfig(t *testing.T) {
	t.Helper()
	conf := fmt.Sprintf(`{
  "cniVersion": "1.0.0",
  "name": "e2e-%[1]s",
  "plugins": [
    {"type": "bridge", "bridge": %[1]q, "isGateway": true, "ipMasq": false,
     "ipam": {"type": "host-local", "dataDir": %[2]q, "ranges": [[{"subnet": %[3]q, "gateway": %[4]q}]]}},
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "firewall"},
    {"type": "bandwidth", "capabilities": {"bandwidth": true}}
  ]
}`, e.bridge, e.dataDir, e.subnet, e.gateway)
	require.NoError(t, os.WriteFile(filepath.Join(e.confDir, "10-e2e.conflist"), []byte(conf), 0o644))
}

func (e *cniEnv) flags() daemonOpt {
	return withFlags("--network-plugin=cni", "--cni-conf-dir", e.confDir, "--cni-bin-dir", cniBinDir, "--cni-cache-dir", e.cacheDir)
}

// leasedIPs lists the addresses host-local has handed out.
func (e *cniEnv) leasedIPs(t *testing.T) []string {
	t.Helper()
	var ips []string
	entries, _ := os.ReadDir(filepath.Join(e.dataDir, "e2e-"+e.bridge))
	for _, en := range entries {
		if net.ParseIP(en.Name()) != nil {
			ips = append(ips, en.Name())
		}
	}
	return ips
}

func networkReady(t *testing.T, d *daemon) (bool, string) {
	t.Helper()
	st, err := d.runtime.Status(testCtx(t), false)
	require.NoError(t, err)
	for _, c := range st.GetStatus().GetConditions() {
		if c.Type == runtimeapi.NetworkReady {
			return c.Status, c.Reason + ": " + c.Message
		}
	}
	t.Fatal("no NetworkReady condition")
	return false, ""
}

func podIP(t *testing.T, d *daemon, id string) string {
	t.Helper()
	resp, err := d.runtime.PodSandboxStatus(testCtx(t), id, false)
	require.NoError(t, err)
	return resp.GetStatus().GetNetwork().GetIp()
}

func TestCNIPodsReachEachOtherAndHostPort(t *testing.T) {
	env := newCNIEnv(t)
	env.writeConfig(t)
	d := startDaemon(t, env.flags())
	ready, why := networkReady(t, d)
	require.True(t, ready, why)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hostPort := l.Addr().(*net.TCPAddr).Port
	l.Close()
	sbA, cfgA := runSandbox(t, d, func(c *runtimeapi.PodSandboxConfig) {
		c.PortMappings = []*runtimeapi.PortMapping{{Protocol: runtimeapi.Protocol_TCP, ContainerPort: 8080, HostPort: int32(hostPort)}}
	})
	sbB, cfgB := runSandbox(t, d)
	ipA, ipB := podIP(t, d, sbA), podIP(t, d, sbB)
	_, subnet, _ := net.ParseCIDR(env.subnet)
	require.True(t, subnet.Contains(net.ParseIP(ipA)), "pod A IP %q not in %s", ipA, env.subnet)
	require.True(t, subnet.Contains(net.ParseIP(ipB)), "pod B IP %q not in %s", ipB, env.subnet)
	assert.ElementsMatch(t, []string{ipA, ipB}, env.leasedIPs(t))

	runContainer(t, d, sbA, cfgA, withShell(`mkdir -p /www && echo hello-from-A > /www/index.html && httpd -f -p 8080 -h /www`))
	client := runContainer(t, d, sbB, cfgB, withCommand("sleep", "3600"))
	var out string
	require.True(t, eventually(20*time.Second, func() bool {
		stdout, _, err := d.runtime.ExecSync(testCtx(t), client, []string{"wget", "-qO-", "http://" + ipA + ":8080/index.html"}, 5*time.Second)
		if err != nil {
			return false
		}
		out = string(stdout)
		return true
	}), "pod B never reached pod A at %s", ipA)
	assert.Equal(t, "hello-from-A\n", out)

	// hostPort through the portmap plugin, from the host to its bridge IP.
	var body string
	require.True(t, eventually(20*time.Second, func() bool {
		resp, err := (&http.Client{Timeout: 3 * time.Second}).Get(fmt.Sprintf("http://%s:%d/index.html", env.gateway, hostPort))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		return resp.StatusCode == 200
	}), "hostPort %d never answered", hostPort)
	assert.Equal(t, "hello-from-A\n", body)

	require.NoError(t, d.runtime.StopPodSandbox(testCtx(t), sbA))
	assert.ElementsMatch(t, []string{ipB}, env.leasedIPs(t), "stopping pod A releases its IP")
	require.NoError(t, d.runtime.StopPodSandbox(testCtx(t), sbA), "a second stop does not DEL again")
}

// TestCNIReleaseAfterRestart: dockercri restarted between run and stop
// still releases the IP (from its checkpoint and libcni's cache).
func TestCNIReleaseAfterRestart(t *testing.T) {
	env := newCNIEnv(t)
	env.writeConfig(t)
	d1 := startDaemon(t, env.flags())
	sb, _ := runSandbox(t, d1)
	ip := podIP(t, d1, sb)
	require.NotEmpty(t, ip)
	d1.stop(t)

	d2 := startDaemon(t, env.flags(), withRootDir(d1.rootDir))
	assert.Equal(t, ip, podIP(t, d2, sb), "IP survives the restart")
	require.NoError(t, d2.runtime.StopPodSandbox(testCtx(t), sb))
	assert.Empty(t, env.leasedIPs(t))
	require.NoError(t, d2.runtime.RemovePodSandbox(testCtx(t), sb))
}

// TestCNIBrokenConfig: NetworkReady is false with a reason, RunPodSandbox
// fails cleanly, and a valid config takes effect without a restart.
func TestCNIBrokenConfig(t *testing.T) {
	env := newCNIEnv(t)
	d := startDaemon(t, env.flags())
	ready, why := networkReady(t, d)
	assert.False(t, ready)
	assert.Contains(t, why, "NetworkPluginNotReady")

	require.NoError(t, os.WriteFile(filepath.Join(env.confDir, "05-broken.conflist"), []byte(`{"cniVersion": "1.0.0", "name": `), 0o644))
	ready, why = networkReady(t, d)
	assert.False(t, ready, "a broken config is not ready")
	assert.Contains(t, why, "05-broken.conflist")

	cfg := newSandboxConfig(t)
	_, err := tryRunSandbox(t, d, cfg)
	require.Error(t, err)
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	assert.Empty(t, dockerNamesWith(t, "_"+cfg.Metadata.Uid+"_"), "nothing left in docker")
	entries, _ := os.ReadDir(filepath.Join(d.rootDir, "sandbox"))
	assert.Empty(t, entries, "no checkpoint left")

	env.writeConfig(t) // sorts after the broken one, which is skipped
	ready, why = networkReady(t, d)
	require.True(t, ready, why)
	sb, _ := runSandbox(t, d)
	assert.True(t, strings.HasPrefix(podIP(t, d, sb), strings.TrimSuffix(env.gateway, "1")), "pod IP %s", podIP(t, d, sb))
}
