/**
 * Live WebGL textures of a test page (created minus deleted), counted by patching the WebGL
 * prototypes when this module is evaluated — before gpu.js creates its contexts (lazily, at the
 * first kernel). Import it from a page that checks gpu.js frees what it uploads.
 */
const counts = { created: 0, deleted: 0 };
for (const proto of [globalThis.WebGL2RenderingContext?.prototype, globalThis.WebGLRenderingContext?.prototype]) {
  if (proto === undefined) continue;
  const create = proto.createTexture;
  const remove = proto.deleteTexture;
  proto.createTexture = function (this: WebGLRenderingContext) {
    counts.created++;
    return create.call(this);
  };
  proto.deleteTexture = function (this: WebGLRenderingContext, t: WebGLTexture | null) {
    if (t !== null) counts.deleted++;
    return remove.call(this, t);
  };
}

/** WebGL textures created and not yet deleted since the page loaded. */
export const liveTextures = (): number => counts.created - counts.deleted;
