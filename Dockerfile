# dockercri as an image: the static binary that `make build` produces, on
# an empty base (no base image has to be pulled). Build it with `make image`.
#
# Run it on a node as a privileged, host-PID, host-network container with
# the host's Docker socket, kubelet and CNI directories mounted; see
# docs/deploy.md.
FROM scratch
COPY bin/dockercri /usr/local/bin/dockercri
ENTRYPOINT ["/usr/local/bin/dockercri"]
