/**
 * Child order of the EWS item and folder types, as the xs:sequence declarations of types.xsd
 * give them (facts taken from the official schema). Responses list properties in this order.
 */

/** ItemType, the base of every item. */
export const ITEM_SEQUENCE: readonly string[] = ["MimeContent","ItemId","ParentFolderId","ItemClass","Subject","Sensitivity","Body","Attachments","DateTimeReceived","Size","Categories","Importance","InReplyTo","IsSubmitted","IsDraft","IsFromMe","IsResend","IsUnmodified","InternetMessageHeaders","DateTimeSent","DateTimeCreated","ResponseObjects","ReminderDueBy","ReminderIsSet","ReminderNextTime","ReminderMinutesBeforeStart","DisplayCc","DisplayTo","DisplayBcc","HasAttachments","ExtendedProperty","Culture","EffectiveRights","LastModifiedName","LastModifiedTime","IsAssociated","WebClientReadFormQueryString","WebClientEditFormQueryString","ConversationId","UniqueBody","Flag","StoreEntryId","InstanceKey","NormalizedBody","EntityExtractionResult","PolicyTag","ArchiveTag","RetentionDate","Preview","RightsManagementLicenseData","PredictedActionReasons","IsClutter","BlockStatus","HasBlockedImages","TextBody","IconIndex","SearchKey","SortKey","Hashtags","Mentions","MentionedMe","MentionsPreview","MentionsEx","AppliedHashtags","AppliedHashtagsPreview","Likes","LikesPreview","PendingSocialActivityTagIds","AtAllMention","CanDelete","InferenceClassification"];
/** ContactItemType after the ItemType part. */
export const CONTACT_SEQUENCE: readonly string[] = ["FileAs","FileAsMapping","DisplayName","GivenName","Initials","MiddleName","Nickname","CompleteName","CompanyName","EmailAddresses","AbchEmailAddresses","PhysicalAddresses","PhoneNumbers","AssistantName","Birthday","BusinessHomePage","Children","Companies","ContactSource","Department","Generation","ImAddresses","JobTitle","Manager","Mileage","OfficeLocation","PostalAddressIndex","Profession","SpouseName","Surname","WeddingAnniversary","HasPicture","PhoneticFullName","PhoneticFirstName","PhoneticLastName","Alias","Notes","Photo","UserSMIMECertificate","MSExchangeCertificate","DirectoryId","ManagerMailbox","DirectReports","AccountName","IsAutoUpdateDisabled","IsMessengerEnabled","Comment","ContactShortId","ContactType","Gender","IsHidden","ObjectId","PassportId","IsPrivate","SourceId","TrustLevel","CreatedBy","Urls","Cid","SkypeAuthCertificate","SkypeContext","SkypeId","SkypeRelationship","YomiNickname","XboxLiveTag","InviteFree","HidePresenceAndProfile","IsPendingOutbound","SupportGroupFeeds","UserTileHash","UnifiedInbox","Mris","Wlid","AbchContactId","NotInBirthdayCalendar","ShellContactType","ImMri","PresenceTrustLevel","OtherMri","ProfileLastChanged","MobileIMEnabled","PartnerNetworkProfilePhotoUrl","PartnerNetworkThumbnailPhotoUrl","PersonId","ConversationGuid"];
/** CalendarItemType after the ItemType part. */
export const CALENDAR_SEQUENCE: readonly string[] = ["UID","RecurrenceId","DateTimeStamp","Start","End","OriginalStart","IsAllDayEvent","LegacyFreeBusyStatus","Location","When","IsMeeting","IsCancelled","IsRecurring","MeetingRequestWasSent","IsResponseRequested","CalendarItemType","MyResponseType","Organizer","RequiredAttendees","OptionalAttendees","Resources","InboxReminders","ConflictingMeetingCount","AdjacentMeetingCount","ConflictingMeetings","AdjacentMeetings","Duration","TimeZone","AppointmentReplyTime","AppointmentSequenceNumber","AppointmentState","Recurrence","FirstOccurrence","LastOccurrence","ModifiedOccurrences","DeletedOccurrences","MeetingTimeZone","StartTimeZone","EndTimeZone","ConferenceType","AllowNewTimeProposal","IsOnlineMeeting","MeetingWorkspaceUrl","NetShowUrl","EnhancedLocation","StartWallClock","EndWallClock","StartTimeZoneId","EndTimeZoneId","IntendedFreeBusyStatus","JoinOnlineMeetingUrl","OnlineMeetingSettings","IsOrganizer","CalendarActivityData","DoNotForwardMeeting"];
/** TaskType after the ItemType part. */
export const TASK_SEQUENCE: readonly string[] = ["ActualWork","AssignedTime","BillingInformation","ChangeCount","Companies","CompleteDate","Contacts","DelegationState","Delegator","DueDate","IsAssignmentEditable","IsComplete","IsRecurring","IsTeamTask","Mileage","Owner","PercentComplete","Recurrence","StartDate","Status","StatusDescription","TotalWork"];
/** MessageType after the ItemType part. */
export const MESSAGE_SEQUENCE: readonly string[] = ["Sender","ToRecipients","CcRecipients","BccRecipients","IsReadReceiptRequested","IsDeliveryReceiptRequested","ConversationIndex","ConversationTopic","From","InternetMessageId","IsRead","IsResponseRequested","References","ReplyTo","ReceivedBy","ReceivedRepresenting","ApprovalRequestData","VotingInformation","ReminderMessageData","MessageSafety","SenderSMTPAddress","MailboxGuids"];

/** The item kinds the simulator stores, by their element name in EWS. */
export type SimItemKind = "Contact" | "DistributionList" | "CalendarItem" | "Task" | "Message";

/** The item kinds the simulator accepts, in a form usable for checks. */
export const ITEM_KINDS: readonly SimItemKind[] = ["Contact", "DistributionList", "CalendarItem", "Task", "Message"];

/** DistributionListType after the ItemType part. */
export const DISTRIBUTION_LIST_SEQUENCE: readonly string[] = ["DisplayName", "FileAs", "ContactSource", "Members"];

/** Full child order of each item kind (ItemType part first). */
export const SEQUENCE_OF: Record<SimItemKind, readonly string[]> = {
  Contact: [...ITEM_SEQUENCE, ...CONTACT_SEQUENCE],
  DistributionList: [...ITEM_SEQUENCE, ...DISTRIBUTION_LIST_SEQUENCE],
  CalendarItem: [...ITEM_SEQUENCE, ...CALENDAR_SEQUENCE],
  Task: [...ITEM_SEQUENCE, ...TASK_SEQUENCE],
  Message: [...ITEM_SEQUENCE, ...MESSAGE_SEQUENCE],
};

/** Position of each property in each kind's sequence, for sorting. */
export const ORDER_OF: Record<SimItemKind, ReadonlyMap<string, number>> = {
  Contact: new Map(SEQUENCE_OF.Contact.map((n, i) => [n, i])),
  DistributionList: new Map(SEQUENCE_OF.DistributionList.map((n, i) => [n, i])),
  CalendarItem: new Map(SEQUENCE_OF.CalendarItem.map((n, i) => [n, i])),
  Task: new Map(SEQUENCE_OF.Task.map((n, i) => [n, i])),
  Message: new Map(SEQUENCE_OF.Message.map((n, i) => [n, i])),
};

/** The FieldURI prefix that names each kind's own properties. */
export const FIELD_PREFIX_OF: Record<SimItemKind, string> = {
  Contact: "contacts",
  DistributionList: "distributionlist",
  CalendarItem: "calendar",
  Task: "task",
  Message: "message",
};

/** Default ItemClass of each kind. */
export const ITEM_CLASS_OF: Record<SimItemKind, string> = {
  Contact: "IPM.Contact",
  DistributionList: "IPM.DistList",
  CalendarItem: "IPM.Appointment",
  Task: "IPM.Task",
  Message: "IPM.Note",
};

/** Properties the `Default` base shape returns, per kind (besides ItemId). */
export const DEFAULT_SHAPE_OF: Record<SimItemKind, readonly string[]> = {
  Contact: [
    "ItemId", "Subject", "Attachments", "HasAttachments", "IsAssociated", "FileAs", "FileAsMapping", "DisplayName",
    "GivenName", "Initials", "MiddleName", "Nickname", "CompleteName", "CompanyName", "EmailAddresses", "PhysicalAddresses",
    "PhoneNumbers", "AssistantName", "Birthday", "BusinessHomePage", "Children", "Companies", "ContactSource", "Department",
    "Generation", "ImAddresses", "JobTitle", "Manager", "Mileage", "OfficeLocation", "PostalAddressIndex", "Profession",
    "SpouseName", "Surname", "WeddingAnniversary",
  ],
  DistributionList: ["ItemId", "Subject", "Attachments", "HasAttachments", "IsAssociated", "DisplayName", "FileAs", "Members"],
  CalendarItem: [
    "ItemId", "Subject", "Attachments", "HasAttachments", "IsAssociated", "Start", "End", "LegacyFreeBusyStatus", "Location",
    "CalendarItemType", "Organizer", "RequiredAttendees", "OptionalAttendees", "Resources",
  ],
  Task: [
    "ItemId", "Subject", "Attachments", "HasAttachments", "IsAssociated", "DueDate", "IsComplete", "IsRecurring",
    "PercentComplete", "Status",
  ],
  Message: ["ItemId", "Subject", "Attachments", "HasAttachments", "IsAssociated", "From", "ToRecipients", "IsRead"],
};

/**
 * Properties never returned by FindItem (streamed or computed-per-item properties), as
 * Exchange leaves them out of FindItem results.
 */
export const NOT_IN_FIND_ITEM: ReadonlySet<string> = new Set([
  "MimeContent", "Body", "UniqueBody", "NormalizedBody", "TextBody", "Attachments", "Recurrence", "ModifiedOccurrences",
  "DeletedOccurrences", "FirstOccurrence", "LastOccurrence", "Photo", "Notes",
]);

/** Properties a client cannot set: the server computes them. */
export const READ_ONLY_PROPERTIES: ReadonlySet<string> = new Set([
  "ItemId", "ParentFolderId", "Attachments", "DateTimeReceived", "Size", "DateTimeCreated", "DateTimeSent", "HasAttachments",
  "LastModifiedName", "LastModifiedTime", "EffectiveRights", "ResponseObjects", "RecurrenceId", "CalendarItemType",
  "FirstOccurrence", "LastOccurrence", "ModifiedOccurrences", "DeletedOccurrences", "IsRecurring", "HasPicture",
  "ConversationId", "InstanceKey", "IsAssociated", "MyResponseType", "OriginalStart", "DateTimeStamp",
]);

/** The dictionary properties of contacts, addressed by IndexedFieldURI. */
export const INDEXED_DICTIONARIES: Record<string, { property: string; subField?: string }> = {
  "contacts:EmailAddress": { property: "EmailAddresses" },
  "contacts:PhoneNumber": { property: "PhoneNumbers" },
  "contacts:ImAddress": { property: "ImAddresses" },
  "contacts:PhysicalAddress:Street": { property: "PhysicalAddresses", subField: "Street" },
  "contacts:PhysicalAddress:City": { property: "PhysicalAddresses", subField: "City" },
  "contacts:PhysicalAddress:State": { property: "PhysicalAddresses", subField: "State" },
  "contacts:PhysicalAddress:CountryOrRegion": { property: "PhysicalAddresses", subField: "CountryOrRegion" },
  "contacts:PhysicalAddress:PostalCode": { property: "PhysicalAddresses", subField: "PostalCode" },
};

/** Child order of a PhysicalAddresses entry. */
export const PHYSICAL_ADDRESS_SEQUENCE: readonly string[] = ["Street", "City", "State", "CountryOrRegion", "PostalCode"];

/** Folder element names by folder class (what Exchange returns for each class). */
export function folderElementFor(folderClass: string | undefined): "Folder" | "CalendarFolder" | "ContactsFolder" | "TasksFolder" {
  if (!folderClass) return "Folder";
  if (folderClass === "IPF.Appointment" || folderClass.startsWith("IPF.Appointment.")) return "CalendarFolder";
  if (folderClass === "IPF.Contact" || folderClass.startsWith("IPF.Contact.")) return "ContactsFolder";
  if (folderClass === "IPF.Task" || folderClass.startsWith("IPF.Task.")) return "TasksFolder";
  return "Folder";
}
