#!/usr/bin/env bash
# Rebuild the staff pages' committed front-end assets from node_modules (run `npm ci` first).
# The output in web/static/govuk/ is committed, so the Docker image and the sandbox need no npm.
set -euo pipefail
cd "$(dirname "$0")/.."

source_dir="node_modules/govuk-frontend/dist/govuk"
target_dir="web/static/govuk"
if [ ! -d "$source_dir" ]; then
  echo "node_modules/govuk-frontend is missing: run 'npm ci' first" >&2
  exit 1
fi

rm -rf "$target_dir"
mkdir -p "$target_dir/assets/images"
# Compiled with Arial instead of GDS Transport: a council service must not use the GOV.UK font.
node_modules/.bin/sass --load-path=node_modules --style=compressed --no-source-map \
  web/static_src/staff.scss "$target_dir/carerline.min.css"
# The source map is not shipped, so drop the line that points at it.
sed 's|//# sourceMappingURL=.*$||' "$source_dir/govuk-frontend.min.js" > "$target_dir/govuk-frontend.min.js"
cp "$source_dir/assets/images/govuk-crest.svg" "$target_dir/assets/images/"
version="$(node -p "require('./node_modules/govuk-frontend/package.json').version")"
echo "$version" > "$target_dir/VERSION"
echo "GOV.UK Frontend $version assets written to $target_dir"
