package dev.nimbo.server.api;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.TemplateException;

/** Template parameters of API calls: parse errors become XML_RPC_API errors with the parser's message. */
public final class Templates {
    private Templates() {
    }

    public static Template parse(Call call, String text) {
        try {
            return Template.parse(text);
        } catch (TemplateException e) {
            throw ApiException.api("[" + call.method() + "] Parse error: " + e.getMessage());
        }
    }

    /** OpenNebula's update type: 0 replaces the template, 1 merges into it. */
    public static boolean mergeFlag(Call call, int index) {
        int type = call.params().integer(index, 0);
        if (type != 0 && type != 1) {
            throw ApiException.api("[" + call.method() + "] Wrong update type");
        }
        return type == 1;
    }
}
