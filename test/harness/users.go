package harness

// UserKubeconfig writes to path a kubeconfig of a client-certificate user name in groups, who
// has only the rights RBAC grants that name or those groups.
func (cp *ControlPlane) UserKubeconfig(path, name string, groups ...string) error {
	return cp.writeUserKubeconfig(path, name, groups...)
}
