/** Profile §4: a trunk's TG description, the configuration document the enterprise's client follows. */
export interface TgDescription {
  uri: string;
  name: string;
  outbound: { origins: string[]; destinations: string[] };
  limits: { 'max-concurrent-calls': number; 'max-calls-per-second': number };
  advertisement: string;
  'retry-backoff': number;
  'media-timeout': number;
  links: { handlers: string; calls: string; consumertgs: string; certs: string };
}
