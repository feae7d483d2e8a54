/**
 * MAPI properties Exchange keeps on every folder and item and returns through ExtendedFieldURI
 * (PropertyTag, or a property set + PropertyId), computed here from the simulator's state. A
 * client that asks for one of them gets the value a real store has (MS-OXPROPS names the tags;
 * MS-OXCFOLD/MS-OXCMSG say which object carries which), and a restriction on one evaluates
 * against it. Only properties whose value follows from what the simulator models are listed;
 * any other ExtendedFieldURI is answered from what a client stored, as before.
 *
 * These are what DavMail's EWS mode asks for: the folder class (PidTagContainerClass) to tell a
 * calendar from an address book, PidTagLocalCommitTimeMax as its ctag, PidTagLastModificationTime
 * as an item's etag, PidTagInternetArticleNumber to order and page FindItem results (it keeps
 * only items with one), PidTagMessageClass and PidLidRecurring in FindItem restrictions.
 */
import type { SimulatedMailbox } from "./mailbox.js";
import type { FolderRecord, ItemTarget } from "./records.js";
import { extendedPropertyKey } from "./updates.js";
import { isoUtc } from "./recurrence.js";
import { el, type XmlElement } from "./xml.js";

/** extendedPropertyKey of a tag (decimal). */
const tag = (n: number) => `tag|${n}`;

/** PidTag* properties (MS-OXPROPS) by tag. */
const PID_TAG = {
  messageClass: tag(0x001a), // PidTagMessageClass
  internetArticleNumber: tag(0x0e23), // PidTagInternetArticleNumber
  subject: tag(0x0037), // PidTagSubject
  displayName: tag(0x3001), // PidTagDisplayName
  creationTime: tag(0x3007), // PidTagCreationTime
  lastModificationTime: tag(0x3008), // PidTagLastModificationTime
  contentCount: tag(0x3602), // PidTagContentCount
  contentUnreadCount: tag(0x3603), // PidTagContentUnreadCount
  subfolders: tag(0x360a), // PidTagSubfolders
  containerClass: tag(0x3613), // PidTagContainerClass
  localCommitTimeMax: tag(0x670a), // PidTagLocalCommitTimeMax
};

/** PidLidRecurring: PSETID_Appointment, LID 0x8223 (MS-OXPROPS), by either spelling of its set. */
const RECURRING_KEYS = new Set([`Appointment|id|${0x8223}`, `00062002-0000-0000-c000-000000000046|id|${0x8223}`]);

/** PtypTime values as Exchange returns them through EWS: UTC, whole seconds (DavMail parses no fraction). */
function timeText(ms: number): string {
  return isoUtc(ms);
}

/** The value of a computed folder property, or undefined when the URI names none. */
export function computedFolderValue(box: SimulatedMailbox, folder: FolderRecord, uri: XmlElement): string | undefined {
  switch (extendedPropertyKey(uri)) {
    case PID_TAG.containerClass: return folder.folderClass;
    case PID_TAG.displayName: return folder.displayName;
    case PID_TAG.contentCount: return String(folder.items.size);
    case PID_TAG.contentUnreadCount: {
      let unread = 0;
      for (const i of folder.items.values()) if (i.kind === "Message" && i.props.get("IsRead")?.text !== "true") unread++;
      return String(unread);
    }
    case PID_TAG.subfolders: return String(box.childFolders(folder).length > 0);
    case PID_TAG.localCommitTimeMax: return timeText(folder.contentChanged);
    default: return undefined;
  }
}

/**
 * Contact properties Exchange also exposes under their MAPI names (MS-OXOCNTC; tags and LIDs from
 * MS-OXPROPS): the MAPI property and the EWS property (or dictionary entry) holding the same value.
 */
const CONTACT_MAPI: Record<string, { property: string; key?: string; sub?: string }> = {
  [tag(0x3a06)]: { property: "GivenName" }, // PidTagGivenName
  [tag(0x3a11)]: { property: "Surname" }, // PidTagSurname
  [tag(0x3a44)]: { property: "MiddleName" }, // PidTagMiddleName
  [tag(0x3a05)]: { property: "Generation" }, // PidTagGeneration
  [tag(0x3a4f)]: { property: "Nickname" }, // PidTagNickname
  [tag(0x3a16)]: { property: "CompanyName" }, // PidTagCompanyName
  [tag(0x3a17)]: { property: "JobTitle" }, // PidTagTitle
  [tag(0x3a18)]: { property: "Department" }, // PidTagDepartmentName
  [tag(0x3a19)]: { property: "OfficeLocation" }, // PidTagOfficeLocation
  [tag(0x3a4e)]: { property: "Manager" }, // PidTagManagerName
  [tag(0x3a30)]: { property: "AssistantName" }, // PidTagAssistant
  [tag(0x3a48)]: { property: "SpouseName" }, // PidTagSpouseName
  [tag(0x3a51)]: { property: "BusinessHomePage" }, // PidTagBusinessHomePage
  [tag(0x3a42)]: { property: "Birthday" }, // PidTagBirthday
  [tag(0x3a08)]: { property: "PhoneNumbers", key: "BusinessPhone" }, // PidTagBusinessTelephoneNumber
  [tag(0x3a09)]: { property: "PhoneNumbers", key: "HomePhone" }, // PidTagHomeTelephoneNumber
  [tag(0x3a1c)]: { property: "PhoneNumbers", key: "MobilePhone" }, // PidTagMobileTelephoneNumber
  [tag(0x3a24)]: { property: "PhoneNumbers", key: "BusinessFax" }, // PidTagBusinessFaxNumber
  [tag(0x3a1e)]: { property: "PhoneNumbers", key: "CarPhone" }, // PidTagCarTelephoneNumber
  [tag(0x3a1a)]: { property: "PhoneNumbers", key: "PrimaryPhone" }, // PidTagPrimaryTelephoneNumber
  [`Address|id|${0x8083}`]: { property: "EmailAddresses", key: "EmailAddress1" }, // PidLidEmail1EmailAddress
  [`Address|id|${0x8093}`]: { property: "EmailAddresses", key: "EmailAddress2" }, // PidLidEmail2EmailAddress
  [`Address|id|${0x80a3}`]: { property: "EmailAddresses", key: "EmailAddress3" }, // PidLidEmail3EmailAddress
  [`Address|id|${0x8045}`]: { property: "PhysicalAddresses", key: "Business", sub: "Street" }, // PidLidWorkAddressStreet
  [`Address|id|${0x8046}`]: { property: "PhysicalAddresses", key: "Business", sub: "City" }, // PidLidWorkAddressCity
  [`Address|id|${0x8047}`]: { property: "PhysicalAddresses", key: "Business", sub: "State" }, // PidLidWorkAddressState
  [`Address|id|${0x8048}`]: { property: "PhysicalAddresses", key: "Business", sub: "PostalCode" }, // PidLidWorkAddressPostalCode
  [`Address|id|${0x8049}`]: { property: "PhysicalAddresses", key: "Business", sub: "CountryOrRegion" }, // PidLidWorkAddressCountry
};

/** Task dates under their MAPI names (PSETID_Task LIDs, MS-OXOTASK), by either spelling of the set. */
const TASK_MAPI: Record<string, string> = {
  [`Task|id|${0x8104}`]: "StartDate", // PidLidTaskStartDate
  [`Task|id|${0x8105}`]: "DueDate", // PidLidTaskDueDate
  [`Task|id|${0x810f}`]: "CompleteDate", // PidLidTaskDateCompleted
};

function contactValue(item: ItemTarget["item"], key: string): string | undefined {
  const map = CONTACT_MAPI[key.replace(/^00062004-0000-0000-c000-000000000046\|/, "Address|")];
  if (!map) return undefined;
  const prop = item.props.get(map.property);
  if (!prop) return undefined;
  if (map.key === undefined) return prop.children.length === 0 ? prop.text : undefined;
  const entry = prop.children.find((e) => e.attrs.Key === map.key);
  if (!entry) return undefined;
  return map.sub ? entry.children.find((c) => c.name === map.sub)?.text : entry.text;
}

const MESSAGE_CLASS = { Contact: "IPM.Contact", DistributionList: "IPM.DistList", CalendarItem: "IPM.Appointment", Task: "IPM.Task", Message: "IPM.Note" } as const;

/** PidNameKeywords: PS_PUBLIC_STRINGS "Keywords" (MS-OXPROPS), the categories of any item, by either spelling of its set. */
const KEYWORDS_KEYS = new Set(["PublicStrings|name|Keywords", "00020329-0000-0000-c000-000000000046|name|Keywords"]);

/**
 * The value of a computed item property (a string, or the values of a multi-valued one), or
 * undefined when the URI names none (or the item has no value).
 */
export function computedItemValue(target: ItemTarget, uri: XmlElement): string | string[] | undefined {
  const { item } = target;
  const key = extendedPropertyKey(uri);
  if (KEYWORDS_KEYS.has(key)) {
    const categories = (target.occurrence && item.exceptions.get(target.occurrence.originalStart)?.props.get("Categories")) || item.props.get("Categories");
    const values = categories?.children.map((c) => c.text) ?? [];
    return values.length ? values : undefined;
  }
  if (RECURRING_KEYS.has(key)) return item.kind === "CalendarItem" ? String(item.props.has("Recurrence")) : undefined;
  if (item.kind === "Contact") {
    const value = contactValue(item, key);
    if (value !== undefined) return value;
  }
  if (item.kind === "Task") {
    const property = TASK_MAPI[key.replace(/^00062003-0000-0000-c000-000000000046\|/, "Task|")];
    if (property) return item.props.get(property)?.text;
  }
  switch (key) {
    case PID_TAG.messageClass: return item.props.get("ItemClass")?.text ?? MESSAGE_CLASS[item.kind];
    case PID_TAG.subject: return (target.occurrence && item.exceptions.get(target.occurrence.originalStart)?.props.get("Subject")?.text) ?? item.props.get("Subject")?.text;
    case PID_TAG.displayName:
      return item.kind === "Contact" || item.kind === "DistributionList"
        ? item.props.get("DisplayName")?.text ?? item.props.get("FileAs")?.text
        : item.props.get("Subject")?.text;
    case PID_TAG.creationTime: return isoUtc(item.created);
    // Increasing in arrival order within a folder; an item moved in gets a new one, as it gets a new ItemId.
    case PID_TAG.internetArticleNumber: return String(item.number);
    case PID_TAG.lastModificationTime: return timeText(item.modified);
    default: return undefined;
  }
}

/** An ExtendedProperty element echoing the requested URI, for a computed value (Values for a multi-valued one). */
export function computedExtendedProperty(uri: XmlElement, value: string | string[]): XmlElement {
  const values = Array.isArray(value) ? el("Values", {}, value.map((v) => el("Value", {}, v))) : el("Value", {}, value);
  return el("ExtendedProperty", {}, [{ ...uri, children: [], text: "" }, values]);
}
