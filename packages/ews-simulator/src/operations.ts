/**
 * The EWS operations the simulator serves. Each handler takes the operation's request element
 * (`m:GetItem` …) and returns its response element (`m:GetItemResponse` …) with one response
 * message per requested object: per-item failures are error messages, never a failure of the
 * whole request, as in Exchange.
 */
import { createAttachment, deleteAttachment, getAttachment } from "./attachment-operations.js";
import { convertId } from "./convert-id.js";
import { createFolder, deleteFolder, findFolder, getFolder, getUserConfiguration } from "./folder-operations.js";
import { createItem, deleteItem, findItem, getItem, moveItem, updateItem } from "./item-operations.js";
import type { OperationHandler } from "./operation-context.js";
import { syncFolderHierarchy, syncFolderItems } from "./sync-operations.js";

/** Handlers by operation (the request element's local name). */
export const OPERATIONS: Readonly<Record<string, OperationHandler>> = {
  GetFolder: getFolder,
  FindFolder: findFolder,
  CreateFolder: createFolder,
  DeleteFolder: deleteFolder,
  SyncFolderHierarchy: syncFolderHierarchy,
  SyncFolderItems: syncFolderItems,
  FindItem: findItem,
  GetItem: getItem,
  CreateItem: createItem,
  UpdateItem: updateItem,
  DeleteItem: deleteItem,
  MoveItem: moveItem,
  CreateAttachment: createAttachment,
  GetAttachment: getAttachment,
  DeleteAttachment: deleteAttachment,
  ConvertId: convertId,
  GetUserConfiguration: getUserConfiguration,
};
