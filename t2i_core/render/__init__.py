"""Everything that turns joints into something to look at or take away (no Gradio here).

| module | owns |
|---|---|
| ``playback.py`` | motion -> the compact JSON the browser viewer plays |
| ``viewer.py`` (+ ``viewer.html``) | the self-contained HTML/JS 3D viewer (Canvas2D, no external code) |
| ``bvh.py`` | one BVH per person: rotations solved from joint positions; a small reader + FK |
| ``video.py`` | offscreen pyrender -> MP4 (EGL) in a child process, a clear error when OpenGL is missing |
| ``export.py`` | the downloads: ``.npz``, BVHs and the settings JSON, written atomically |
| ``attention.py`` | picking a block/head/sample of the attention maps; a summary small enough to keep |
| ``interaction.py`` | the adaptive interaction loss weights of a motion (the loss's own function), top pairs |
| ``figures.py`` | the plotly figures of the attention and interaction-weight views |
"""
