package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestLogPathCannotEscape: a request cannot make dockercri write outside
// the pod's log directory.
func TestLogPathCannotEscape(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	target := filepath.Join(filepath.Dir(sbCfg.LogDirectory), "escaped-"+runID+".log")
	t.Cleanup(func() { os.Remove(target) })
	cfg := newContainerConfigWith(sbCfg, func(c *containerConfig) {
		c.LogPath = filepath.Join("..", filepath.Base(target))
	})
	_, err := d.runtime.CreateContainer(testCtx(t), sb, cfg, sbCfg)
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	assert.NoFileExists(t, target)
	assert.Empty(t, dockerNamesWith(t, "k8s_"+cfg.Metadata.Name+"_"+sbCfg.Metadata.Name+"_"+sbCfg.Metadata.Namespace+"_"+sbCfg.Metadata.Uid))
}
