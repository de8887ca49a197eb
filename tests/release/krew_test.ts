/**
 * Release archives and the krew manifest generated from them: the archives are packed for real
 * (the system's tar and zip) around a stand-in binary, since building the real one needs
 * `denort` (tests/compile_test.ts builds it where that exists). The manifest is checked against
 * krew's rules for a plugin manifest, and each platform's sha256 against its archive's bytes,
 * computed again with coreutils' sha256sum.
 */

import assert from "node:assert/strict";
import { load } from "js-yaml";
import { archiveBinary } from "../../release/archive.ts";
import { TARGETS } from "../../release/compile_args.ts";
import {
  type KrewManifest,
  krewManifest,
  MANIFEST_PATH,
  manifestYaml,
  PLUGIN_NAME,
  type ReleaseArchive,
  sha256Sums,
} from "../../release/krew.ts";

const decoder = new TextDecoder();

async function run(program: string, args: string[], cwd?: string): Promise<string> {
  const output = await new Deno.Command(program, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  assert.equal(output.code, 0, `${program} ${args.join(" ")}: ${decoder.decode(output.stderr)}`);
  return decoder.decode(output.stdout);
}

type Platform = Partial<Omit<KrewManifest["spec"]["platforms"][number], "selector">> & {
  selector?: { matchLabels?: Partial<Record<"os" | "arch", string>> };
};

/** A manifest as read back from YAML: any field may be missing. */
interface LooseManifest {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  spec?: Partial<Omit<KrewManifest["spec"], "platforms">> & { platforms?: Platform[] };
}

/** The problems krew's validation would find in a manifest, and ours on top. */
function manifestProblems(m: LooseManifest, fileName: string): string[] {
  const problems: string[] = [];
  if (m.apiVersion !== "krew.googlecontainertools.github.com/v1alpha2") problems.push("apiVersion");
  if (m.kind !== "Plugin") problems.push("kind");
  if (`${m.metadata?.name}.yaml` !== fileName) problems.push("metadata.name is not the file name");
  if (!/^[a-z0-9][a-z0-9-]*$/.test(m.metadata?.name ?? "")) problems.push("metadata.name");
  const spec = m.spec ?? {};
  const platforms = spec.platforms ?? [];
  if (!/^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(spec.version ?? "")) problems.push("spec.version");
  if (typeof spec.shortDescription !== "string" || spec.shortDescription === "") {
    problems.push("spec.shortDescription");
  }
  if (!URL.canParse(spec.homepage ?? "")) problems.push("spec.homepage");
  if (platforms.length === 0) problems.push("platforms");
  const seen = new Set<string>();
  for (const [i, platform] of platforms.entries()) {
    const labels = platform.selector?.matchLabels ?? {};
    if (!["linux", "darwin", "windows"].includes(labels.os ?? "")) {
      problems.push(`platforms[${i}].os`);
    }
    if (!["amd64", "arm64"].includes(labels.arch ?? "")) problems.push(`platforms[${i}].arch`);
    const key = `${labels.os}/${labels.arch}`;
    if (seen.has(key)) problems.push(`platforms[${i}] repeats ${key}`);
    seen.add(key);
    if (!URL.canParse(platform.uri ?? "")) problems.push(`platforms[${i}].uri`);
    if (!/^[0-9a-f]{64}$/.test(platform.sha256 ?? "")) problems.push(`platforms[${i}].sha256`);
    if (typeof platform.bin !== "string" || platform.bin === "") {
      problems.push(`platforms[${i}].bin`);
    }
    const exe = labels.os === "windows" ? ".exe" : "";
    if (platform.bin !== `kubectl-together_login${exe}`) problems.push(`platforms[${i}].bin name`);
  }
  return problems;
}

Deno.test("release archives and the krew manifest generated from them", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "krew-test-" });
  try {
    const binary = `${dir}/stand-in`;
    await Deno.writeTextFile(binary, "#!/bin/sh\necho stand-in\n");
    const archives: ReleaseArchive[] = [];
    for (const target of TARGETS) archives.push(await archiveBinary(binary, target, "0.1.0", dir));
    const baseUrl = "https://releases.example.com/v0.1.0";
    const yaml = manifestYaml(
      krewManifest(archives, { version: "0.1.0", baseUrl, homepage: "https://example.com" }),
    );
    await Deno.mkdir(`${dir}/plugins`);
    await Deno.writeTextFile(`${dir}/${MANIFEST_PATH}`, yaml);
    const manifest = load(await Deno.readTextFile(`${dir}/${MANIFEST_PATH}`)) as LooseManifest;
    const platforms = manifest.spec?.platforms ?? [];

    await t.step("the manifest has krew's required fields", () => {
      assert.equal(MANIFEST_PATH, "plugins/together-login.yaml");
      assert.deepEqual(manifestProblems(manifest, `${PLUGIN_NAME}.yaml`), []);
      assert.equal(manifest.spec?.version, "v0.1.0");
      // The check itself catches a broken manifest.
      const broken = structuredClone(manifest);
      const brokenPlatforms = broken.spec?.platforms ?? [];
      delete brokenPlatforms[1].sha256;
      brokenPlatforms[2].selector = { matchLabels: { os: "linux", arch: "amd64" } };
      assert.deepEqual(manifestProblems(broken, `${PLUGIN_NAME}.yaml`), [
        "platforms[1].sha256",
        "platforms[2] repeats linux/amd64",
      ]);
    });

    await t.step("one platform per archive, with its URL and sha256", async () => {
      assert.equal(platforms.length, TARGETS.length);
      for (const [i, archive] of archives.entries()) {
        const platform = platforms[i];
        assert.deepEqual(platform.selector?.matchLabels, {
          os: archive.target.os,
          arch: archive.target.arch,
        });
        assert.equal(platform.uri, `${baseUrl}/${archive.name}`);
        const [sum] = (await run("sha256sum", [`${dir}/${archive.name}`])).split(" ");
        assert.equal(platform.sha256, sum, archive.name);
      }
      assert.deepEqual(
        archives.map((a) => a.name.replace(/^kubectl-together_login_v0\.1\.0_/, "")),
        [
          "linux_amd64.tar.gz",
          "linux_arm64.tar.gz",
          "darwin_amd64.tar.gz",
          "darwin_arm64.tar.gz",
          "windows_amd64.zip",
        ],
      );
    });

    await t.step("each archive holds the bin the manifest names, executable", async () => {
      for (const [i, archive] of archives.entries()) {
        const path = `${dir}/${archive.name}`;
        const bin = platforms[i].bin ?? "(none)";
        if (archive.target.os === "windows") {
          const names = (await run("unzip", ["-Z1", path])).split("\n");
          assert.ok(names.includes(bin), `${bin} not in ${names}`);
          assert.ok(names.includes("kubectl_complete-together_login.cmd"));
        } else {
          const listing = await run("tar", ["-tvzf", path]);
          assert.match(listing, new RegExp(`^-rwxr-xr-x .* ${bin}$`, "m"));
          assert.match(listing, /^-rwx.* kubectl_complete-together_login$/m);
          assert.match(listing, / README\.md$/m);
        }
      }
    });

    await t.step("SHA256SUMS passes sha256sum -c", async () => {
      await Deno.writeTextFile(`${dir}/SHA256SUMS`, sha256Sums(archives));
      const checked = await run("sha256sum", ["-c", "SHA256SUMS"], dir);
      assert.equal(checked.trim().split("\n").filter((line) => line.endsWith(": OK")).length, 5);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
