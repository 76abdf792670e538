# Sourced by the GPU scripts: run from the repository root with .venv's python when there is one,
# else the machine's python3 (its own torch), and let a carried copy of the COCO data in
# .gpu_data/ (coco/, oracle/) stand in for ../shared/data.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PY=python3
[ -x .venv/bin/python ] && PY=.venv/bin/python
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
for d in coco oracle; do
    if [ ! -e ../shared/data/$d/. ] && [ -d .gpu_data/$d ]; then
        mkdir -p ../shared/data && ln -sfn "$PWD/.gpu_data/$d" ../shared/data/$d
    fi
done
