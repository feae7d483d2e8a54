/**
 * The engine's view of vobjects: the content lines, components, UID rule and modification time of
 * `@ewsdav/vobject`, re-exported under the names the engine has always used. New code imports
 * `@ewsdav/vobject` directly.
 *
 * @module
 */
export {
  fold,
  formatContentLine,
  modifiedOfText,
  parseContentLine,
  parseVObject,
  serializeVObject,
  uidOf,
  uidOfText,
  unfold,
  VObjectError,
  withUid,
  type Component,
  type ContentLine,
} from "@ewsdav/vobject";
