/**
 * File attachments in Graph v1.0's shapes: an event's `fileAttachment` (base type `attachment`), a
 * To Do task's `taskFileAttachment` (base type `attachmentBase`), and the upload session
 * (`attachmentItem` in, `uploadSession` out) for files of 3 MB and more.
 * @module
 */

/** A file attachment of an event (`#microsoft.graph.fileAttachment`). */
export interface GraphFileAttachment {
  "@odata.type"?: "#microsoft.graph.fileAttachment";
  "@odata.mediaContentType"?: string;
  id: string;
  name: string | null;
  contentType: string | null;
  size: number;
  isInline: boolean;
  lastModifiedDateTime?: string | null;
  contentId?: string | null;
  contentLocation?: string | null;
  /** Base64 of the content (left out of listings with `$select`, and of To Do listings). */
  contentBytes?: string | null;
}

/** A file attachment of a To Do task (`#microsoft.graph.taskFileAttachment`). */
export interface GraphTaskFileAttachment {
  "@odata.type"?: "#microsoft.graph.taskFileAttachment";
  "@odata.mediaContentType"?: string;
  id: string;
  name: string | null;
  contentType: string | null;
  size: number;
  lastModifiedDateTime?: string | null;
  contentBytes?: string;
}

/** The body of `POST …/attachments` for a file under 3 MB. */
export interface GraphFileAttachmentInput {
  "@odata.type": "#microsoft.graph.fileAttachment" | "#microsoft.graph.taskFileAttachment";
  name: string;
  contentBytes: string;
  contentType?: string;
  isInline?: boolean;
  contentId?: string;
}

/** The file an upload session is for (`attachmentItem`). */
export interface GraphAttachmentItem {
  attachmentType: "file";
  name: string;
  size: number;
  contentType?: string;
  isInline?: boolean;
  contentId?: string;
}

/** An upload session (`uploadSession`): PUT byte ranges to `uploadUrl`, without a bearer token. */
export interface GraphUploadSession {
  uploadUrl: string;
  expirationDateTime: string;
  /** Where the next range starts, e.g. `["0-"]` or `["3276800"]`. */
  nextExpectedRanges: string[];
}
