# Sourced by the GPU scripts: run from the repository root with .venv's python when there is one,
# else the machine's python3 (its own torch), and let a carried copy of the COCO data in
# .gpu_data/ stand in for ../shared/data/coco.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=python3
[ -x .venv/bin/python ] && PY=.venv/bin/python
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
if [ ! -d ../shared/data/coco ] && [ -d .gpu_data/coco ]; then
    mkdir -p ../shared/data && ln -s "$PWD/.gpu_data/coco" ../shared/data/coco
fi
