#!/usr/bin/python3
"""Checks that deploy/k8s/ agrees with itself and with the verifier's config (issue 10).

Each check names the file and what disagrees; any failure exits 1. It does not need a cluster:
it reads the YAML the way Kubernetes and kustomize would resolve names, ports and mounts.
usage: check_k8s.py DEPLOY_K8S_DIR
"""
import os
import re
import sys

import yaml

failures = []


def fail(message):
    failures.append(message)


def load_all(path):
    with open(path, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    for d in docs:
        for key in ("apiVersion", "kind"):
            if key not in d:
                fail(f"{os.path.basename(path)}: a document has no {key}")
        if d.get("kind") != "Kustomization" and not d.get("metadata", {}).get("name"):
            fail(f"{os.path.basename(path)}: a {d.get('kind')} has no metadata.name")
    return docs


def textproto_field(text, name):
    m = re.search(r'^\s*' + name + r':\s*"([^"]*)"', text, re.M)
    return m.group(1) if m else None


def port_of(address):
    return int(address.rsplit(":", 1)[1])


def main(k8s):
    kustomization = load_all(os.path.join(k8s, "kustomization.yaml"))[0]
    objects = []
    for resource in kustomization.get("resources", []):
        path = os.path.join(k8s, resource)
        if not os.path.exists(path):
            fail(f"kustomization.yaml lists {resource}, which does not exist")
            continue
        objects += load_all(path)
    listed = set(kustomization.get("resources", []))
    for name in os.listdir(k8s):
        if name.endswith(".yaml") and name != "kustomization.yaml" and name not in listed:
            fail(f"{name} is not listed in kustomization.yaml")

    generated = {}
    for gen in kustomization.get("configMapGenerator", []):
        files = {}
        for f in gen.get("files", []):
            key, _, source = f.partition("=")
            source = source or key
            path = os.path.join(k8s, source)
            if not os.path.exists(path):
                fail(f"configMapGenerator {gen['name']} reads {source}, which does not exist")
                continue
            with open(path, encoding="utf-8") as fh:
                files[os.path.basename(key)] = fh.read()
        generated[gen["name"]] = files

    kinds = {}
    for o in objects:
        kinds.setdefault(o["kind"], []).append(o)
    namespaces = {o["metadata"]["name"] for o in kinds.get("Namespace", [])}
    for o in objects:
        ns = o.get("metadata", {}).get("namespace")
        if o["kind"] != "Namespace" and ns not in namespaces:
            fail(f"{o['kind']} {o['metadata']['name']} is in namespace {ns}, which is not created here")
    for gen in kustomization.get("configMapGenerator", []):
        if gen.get("namespace") not in namespaces:
            fail(f"ConfigMap {gen['name']} is generated into namespace {gen.get('namespace')}, not created here")

    by_name = {(o["kind"], o["metadata"]["name"]): o for o in objects if o["kind"] != "Kustomization"}
    verifier = by_name.get(("Deployment", "veu-verifier"))
    agent = by_name.get(("DaemonSet", "veu-agent"))
    if verifier is None:
        fail("no Deployment veu-verifier")
    if agent is None:
        fail("no DaemonSet veu-agent")
    if verifier is None or agent is None:
        return
    generated_ns = {g["name"]: g.get("namespace") for g in kustomization.get("configMapGenerator", [])}

    def workload(obj, config_fields):
        """Checks what every workload needs; returns (pod spec, container, config text, labels)."""
        name = obj["metadata"]["name"]
        spec = obj["spec"]
        pod = spec["template"]
        labels = pod["metadata"]["labels"]
        for k, v in spec["selector"]["matchLabels"].items():
            if labels.get(k) != v:
                fail(f"{name}: selector {k}={v} does not match its pod labels")
        pod_spec = pod["spec"]
        volumes = {v["name"]: v for v in pod_spec.get("volumes", [])}
        container = pod_spec["containers"][0]
        mounts = container.get("volumeMounts", [])
        mount_of = {}
        for m in mounts:
            if m["name"] not in volumes:
                fail(f"{name}: volumeMount {m['name']} has no volume")
            mount_of[m["mountPath"]] = m["name"]
        for vname in volumes:
            if vname not in {m["name"] for m in mounts}:
                fail(f"{name}: volume {vname} is mounted nowhere")
        args = container.get("args", [])
        if "--config" not in args:
            fail(f"{name}: the container is not given --config")
            return None
        config_path = args[args.index("--config") + 1]
        config_dir, config_file = os.path.split(config_path)
        volume = volumes.get(mount_of.get(config_dir, ""), {})
        cm = volume.get("configMap", {}).get("name")
        if cm not in generated or config_file not in generated[cm]:
            fail(f"{name}: --config {config_path} is not a file of a generated ConfigMap mounted at {config_dir}")
            return None
        if generated_ns.get(cm) != obj["metadata"].get("namespace"):
            fail(f"{name}: its ConfigMap {cm} is generated into another namespace")
        config = generated[cm][config_file]
        # Every file the config names lies under a mount (the policy pack is in the image).
        for field in config_fields:
            value = textproto_field(config, field)
            if value is None:
                fail(f"{name}: {config_file} sets no {field}")
                continue
            if not any(value == p or value.startswith(p + "/") for p in mount_of):
                fail(f"{name}: {config_file} {field} {value} is under no volumeMount")
        # Everything it needs that these files do not create is named in the README.
        needed = []
        for v in volumes.values():
            if "secret" in v:
                needed.append(v["secret"]["secretName"])
            if "configMap" in v:
                needed.append(v["configMap"]["name"])
        for e in container.get("env", []):
            ref = e.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                needed.append(ref["name"])
        created = {o["metadata"]["name"] for o in objects if "metadata" in o} | set(generated)
        for n in needed:
            if n not in created and f"`{n}`" not in readme:
                fail(f"{name}: {n} is neither created here nor named in deploy/k8s/README.md")
        return pod_spec, container, config, labels, volumes, mount_of

    with open(os.path.join(k8s, "README.md"), encoding="utf-8") as f:
        readme = f.read()

    # ---- The verifiers ----------------------------------------------------------------------
    checked = workload(verifier, ("cert_file", "key_file", "log_key", "regulator_client_ca",
                                  "ek_roots_dir"))
    if checked:
        pod_spec, container, config, labels, volumes, mount_of = checked
        spec = verifier["spec"]
        ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
        args = container.get("args", [])
        if spec.get("replicas", 1) < 2:
            fail("the verifier Deployment runs fewer than 2 replicas: no failover")
        admin = textproto_field(config, "admin_socket")
        if admin is None or os.path.dirname(admin) not in mount_of:
            fail(f"admin_socket {admin} is not in a writable mounted directory")
        elif "emptyDir" not in volumes[mount_of[os.path.dirname(admin)]]:
            fail(f"admin_socket {admin} must be in an emptyDir (the root filesystem is read-only)")
        if textproto_field(config, "database") is not None:
            fail("verifier.textproto names a database: the URL (a secret) must come from --database")
        if "--database" not in args:
            fail("the verifier is not given --database")
        else:
            value = args[args.index("--database") + 1]
            env = {e["name"]: e for e in container.get("env", [])}
            m = re.fullmatch(r"\$\((\w+)\)", value)
            if not m or m.group(1) not in env or "secretKeyRef" not in env[m.group(1)].get("valueFrom", {}):
                fail("--database must be $(VAR) from a Secret, never a literal URL")
        for field, port_name in (("listen_address", "agents"),
                                 ("regulator_listen_address", "regulator"),
                                 ("metrics_listen_address", "metrics")):
            value = textproto_field(config, field)
            if value is None:
                fail(f"verifier.textproto sets no {field}")
            elif ports.get(port_name) != port_of(value):
                fail(f"{field} {value} is not container port {port_name} ({ports.get(port_name)})")
            elif value.startswith("127."):
                fail(f"{field} {value} listens on loopback only: unreachable from the Service")
        ready = container.get("readinessProbe", {}).get("httpGet", {})
        if ready.get("path") != "/healthz" or ready.get("port") != "metrics":
            fail("the verifier's readiness probe must be GET /healthz on the metrics port")
        psc = pod_spec.get("securityContext", {})
        csc = container.get("securityContext", {})
        if not psc.get("runAsNonRoot"):
            fail("the verifier pod may run as root")
        if not csc.get("readOnlyRootFilesystem"):
            fail("the verifier's root filesystem is writable")
        if csc.get("allowPrivilegeEscalation") is not False:
            fail("the verifier's privilege escalation is not disabled")
        if csc.get("capabilities", {}).get("drop") != ["ALL"]:
            fail("the verifier's capabilities are not all dropped")
        ns = verifier["metadata"]["namespace"]
        ns_obj = by_name.get(("Namespace", ns), {})
        if ns_obj.get("metadata", {}).get("labels", {}).get("pod-security.kubernetes.io/enforce") != "restricted":
            fail(f"namespace {ns} of the verifiers does not enforce Pod Security restricted")
        services = [o for o in kinds.get("Service", [])]
        agents_service = None
        for svc in services:
            name = svc["metadata"]["name"]
            for k, v in svc["spec"]["selector"].items():
                if labels.get(k) != v:
                    fail(f"Service {name} selects {k}={v}, which the verifier pods do not carry")
            for p in svc["spec"]["ports"]:
                if p.get("targetPort") not in ports:
                    fail(f"Service {name} targets port {p.get('targetPort')}, not a container port")
                if p.get("targetPort") == "agents":
                    agents_service = (svc, p["port"])
        pdbs = kinds.get("PodDisruptionBudget", [])
        if not pdbs:
            fail("no PodDisruptionBudget")
        for pdb in pdbs:
            for k, v in pdb["spec"]["selector"]["matchLabels"].items():
                if labels.get(k) != v:
                    fail(f"PodDisruptionBudget selects {k}={v}, which the pods do not carry")
            if pdb["spec"].get("minAvailable", 0) >= spec.get("replicas", 1):
                fail("minAvailable leaves no replica to disrupt: node drains would block forever")

    # ---- The agents -------------------------------------------------------------------------
    checked_agent = workload(agent, ("state_dir", "ca_file", "enrollment_token_file",
                                     "event_log_path"))
    if checked_agent:
        _, container, config, _, volumes, mount_of = checked_agent
        tcti = textproto_field(config, "tcti") or ""
        device = tcti.split(":", 1)[1] if tcti.startswith("device:") else None
        if device is None:
            fail(f"agent tcti {tcti!r} is not a device TCTI")
        elif volumes.get(mount_of.get(device, ""), {}).get("hostPath", {}).get("type") != "CharDevice":
            fail(f"agent TPM device {device} is not a hostPath CharDevice mount")
        elif not container.get("securityContext", {}).get("privileged"):
            fail("the agent opens a host device without a privileged container or a device plugin")
        state = textproto_field(config, "state_dir")
        if state and "hostPath" not in volumes.get(mount_of.get(state, ""), {}):
            fail(f"agent state_dir {state} is not on the host: a new pod would enrol a new agent")
        root = textproto_field(config, "root_dir")
        for sub in ("sys", "etc", "proc"):
            path = f"{root}/{sub}"
            if path not in mount_of or volumes[mount_of[path]].get("hostPath", {}).get("path") != f"/{sub}":
                fail(f"agent root_dir {root}: {path} is not the host's /{sub}")
            elif not any(m["mountPath"] == path and m.get("readOnly") for m in container["volumeMounts"]):
                fail(f"the host's /{sub} is mounted writable into the agent")
        address = textproto_field(config, "verifier_address") or ""
        if checked and agents_service:
            svc, port = agents_service
            want = f"{svc['metadata']['name']}.{svc['metadata']['namespace']}.svc:{port}"
            if address != want:
                fail(f"agent verifier_address {address} is not the agents' Service ({want})")
        if agent["spec"]["template"]["spec"].get("tolerations") is None:
            fail("the agents skip tainted nodes: every node must be attested")


if __name__ == "__main__":
    main(sys.argv[1])
    for f in failures:
        print("FAIL:", f)
    if failures:
        sys.exit(1)
    print("deploy/k8s: consistent")
