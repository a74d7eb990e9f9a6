import { isE164 } from '@riptrunk/ript';
import { SipNumberError, sipUserToE164 } from '@riptrunk/ript/sip';

/**
 * SIP user parts → E.164 (GatewayOptions.e164): with a default country, national forms and the `00`/`011`
 * international prefixes too (sipUserToE164); without one only `+E.164` users are numbers.
 */
export function sipNumberNormaliser(country: string | undefined): (user: string | null) => string | null {
  return (user) => {
    if (!user) return null;
    if (!country) return isE164(user) ? user : null;
    try {
      return sipUserToE164(user, { defaultCountry: country });
    } catch (err) {
      if (err instanceof SipNumberError) return null;
      throw err;
    }
  };
}
