export * from './reference';
export * from './annotations';
export { OciClient, MEDIA_TYPES, DEFAULT_PLATFORM, DEFAULT_MAX_BLOB_BYTES, MAX_MANIFEST_BYTES, parsePlatform } from './client';
export { DEFAULT_OCI_LIMITS } from './limits';
export type { OciLimits } from './limits';
export type {
  FetchBlobOptions,
  FetchedBlob,
  GetManifestOptions,
  OciClientOptions,
  OciDescriptor,
  OciImageManifest,
  OciIndex,
  OciPlatform,
  PulledManifest,
} from './client';
export { RegistryTransport, isLoopbackHost } from './transport';
export type { OciTransportOptions } from './transport';
export { authFileCandidates, loadCredentials, parseWwwAuthenticate } from './auth';
export type { AuthChallenge, RegistryCredentials } from './auth';
export { computeDigest as digestOf } from '../verify/digest';
