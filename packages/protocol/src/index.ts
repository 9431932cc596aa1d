/**
 * @module
 * PubNub's wire protocol as Roster's server and SDK both speak it. No runtime dependencies,
 * no Node APIs: it runs in Node 20+ and browsers alike. The official PubNub SDKs, driven
 * against the server in its test suites, check that it is right.
 */

// Percent-encoding of paths and query values.
export { encodePath, encodeQuery, pubnubEncode, type QueryParams } from './percent-encoding.ts';

// Request signatures: canonical query, string to sign, the `signature` parameter.
export {
  formatSignatureV1,
  formatSignatureV2,
  signatureV2,
  sortedQuery,
  stringToSignV1,
  stringToSignV2,
  webCryptoHmacSha256,
  type HmacSha256,
  type SignatureV1Input,
  type SignatureV2Input,
} from './signature.ts';

// Access Manager tokens and their permission bits.
export { ALL_PERMISSION_BITS, emptyPermissionTable, GRANT_SECTION_KEYS, PERMISSION_BITS, TOKEN_RESOURCE_KEYS } from './permissions.ts';
export type { GrantSection, Permission, PermissionTable, TokenResourceKey } from './permissions.ts';
export { canonicalTokenText, decodeToken, encodeToken, TOKEN_VERSION, tokenExpiresAt, tokenSigningBytes } from './token.ts';
export type { MetaValue, Token, TokenGrant } from './token.ts';
export { ByteKeyedMap, CborError, decodeCbor, encodeCbor, MAX_DEPTH, type CborValue } from './cbor.ts';

// Base64 in the URL-safe alphabet.
export { fromBase64, toBase64Url } from './base64.ts';

// The `include` parameter of App Context calls.
export { objectIncludeTokens, parseIncludeTokens, RELATED_PREFIXES, relationIncludeTokens } from './includes.ts';
export type { ObjectIncludes, RelatedKey, RelationIncludes } from './includes.ts';

// JSON shapes: objects, answers, errors, subscribe.
export { isSubscribeEnvelope, isTimetoken, MESSAGE_TYPE } from './wire.ts';
export type {
  ChannelObject,
  CustomData,
  CustomValue,
  ErrorDetail,
  ListBody,
  LocationType,
  MemberObject,
  MembershipObject,
  ObjectBody,
  ObjectsErrorBody,
  PublishBody,
  RelatedObject,
  ServiceErrorBody,
  SubscribeBody,
  SubscribeEnvelope,
  TimetokenWire,
  UserObject,
} from './wire.ts';

// The App Context list `filter` language: its syntax tree, parser and syntax errors.
export type { Condition, FilterNode, FilterValue, Junction, Negation, Operator } from './filter/ast.ts';
export { formatPath, MAX_FILTER_COMPARISONS, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, MAX_FILTER_SCANNING_LIKES, parseFilter } from './filter/parser.ts';
export { at, bounds, expected, FilterSyntaxError, found, strayCharacter, trailing, unclosed, unterminatedString } from './filter/syntax-error.ts';
export type { FilterParameter, ShownToken } from './filter/syntax-error.ts';
